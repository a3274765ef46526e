metadata description = 'Azure OpenAI account and one chat model deployment (openai-reddytalk-gpt).'

@description('Required. Account name; also the custom subdomain (globally unique).')
param name string

@description('Required. Azure region (one that offers the model).')
param location string

@description('Optional. Tags for every resource.')
param tags object = {}

@description('Optional. Deployment name (AZURE_OPENAI_DEPLOYMENT).')
param deploymentName string = 'gpt-4o-mini'

@description('Optional. Model name.')
param modelName string = 'gpt-4o-mini'

@description('Optional. Model version.')
param modelVersion string = '2024-07-18'

@description('Optional. Capacity in thousands of tokens per minute.')
@minValue(1)
param capacity int = 30

resource account 'Microsoft.CognitiveServices/accounts@2024-10-01' = {
  // checkov:skip=CKV_AZURE_134: no VNet in the MVP; callers need a key from Key Vault or an Entra ID role
  // checkov:skip=CKV_AZURE_236: the app's Azure OpenAI client takes AZURE_OPENAI_API_KEY (Key Vault); the Cognitive Services OpenAI User role is assigned for the switch to Entra ID
  // checkov:skip=CKV_AZURE_238: Microsoft-managed keys encrypt at rest; customer-managed keys are a later hardening step
  // checkov:skip=CKV2_AZURE_22: same reason as CKV_AZURE_238
  name: name
  location: location
  tags: tags
  kind: 'OpenAI'
  sku: {
    name: 'S0'
  }
  identity: {
    type: 'SystemAssigned'
  }
  properties: {
    customSubDomainName: name
    publicNetworkAccess: 'Enabled'
    disableLocalAuth: false
    networkAcls: {
      defaultAction: 'Allow'
    }
  }
}

resource deployment 'Microsoft.CognitiveServices/accounts/deployments@2024-10-01' = {
  parent: account
  name: deploymentName
  sku: {
    name: 'Standard'
    capacity: capacity
  }
  properties: {
    model: {
      format: 'OpenAI'
      name: modelName
      version: modelVersion
    }
    raiPolicyName: 'Microsoft.DefaultV2'
  }
}

@description('Account name.')
output name string = account.name

@description('Account resource id.')
output id string = account.id

@description('Endpoint URL (AZURE_OPENAI_ENDPOINT).')
output endpoint string = account.properties.endpoint

@description('Deployment name.')
output deploymentName string = deployment.name
