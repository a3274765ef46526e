metadata description = 'Azure AI Speech (speech-reddytalk-stt): cloud STT and the backup TTS voice.'

@description('Required. Account name; also the custom subdomain (globally unique).')
param name string

@description('Required. Azure region (SPEECH_SERVICE_REGION).')
param location string

@description('Optional. Tags for every resource.')
param tags object = {}

@description('Optional. SKU: F0 (free, 5 audio hours a month) or S0.')
@allowed([
  'F0'
  'S0'
])
param skuName string = 'S0'

resource account 'Microsoft.CognitiveServices/accounts@2024-10-01' = {
  // checkov:skip=CKV_AZURE_134: no VNet in the MVP; callers need the key from Key Vault or an Entra ID role
  // checkov:skip=CKV_AZURE_236: the Speech SDK client signs in with SPEECH_SERVICE_KEY (Key Vault); the Cognitive Services User role is assigned for the switch to Entra ID
  // checkov:skip=CKV_AZURE_238: Microsoft-managed keys encrypt at rest; customer-managed keys are a later hardening step
  // checkov:skip=CKV2_AZURE_22: same reason as CKV_AZURE_238
  name: name
  location: location
  tags: tags
  kind: 'SpeechServices'
  sku: {
    name: skuName
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

@description('Account name.')
output name string = account.name

@description('Account resource id.')
output id string = account.id

@description('Region of the account (SPEECH_SERVICE_REGION).')
output region string = account.location
