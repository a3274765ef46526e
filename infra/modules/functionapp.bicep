metadata description = 'The ReddyTalk Function App (func-reddytalk-api): Python 3.11 on Flex Consumption, or Elastic Premium against cold starts; every app setting the app reads.'

@description('Required. Function App name (globally unique host name).')
param name string

@description('Required. Hosting plan name.')
param planName string

@description('Required. Azure region.')
param location string

@description('Optional. Tags for every resource.')
param tags object = {}

@description('Optional. FlexConsumption (pay per use, the seed\'s Consumption) or ElasticPremium (pre-warmed instances, no cold starts).')
@allowed([
  'FlexConsumption'
  'ElasticPremium'
])
param hostingPlan string = 'FlexConsumption'

@description('Optional. Elastic Premium SKU when hostingPlan is ElasticPremium.')
@allowed([
  'EP1'
  'EP2'
  'EP3'
])
param premiumSku string = 'EP1'

@description('Optional. Flex Consumption always-ready instances for HTTP functions (0 = scale to zero; 1 removes most cold starts).')
@minValue(0)
param alwaysReadyInstances int = 0

@description('Optional. Flex Consumption instance ceiling (a cost guard).')
@minValue(1)
@maxValue(1000)
param maximumInstanceCount int = 40

@description('Optional. Flex Consumption instance memory in MB.')
@allowed([
  2048
  4096
])
param instanceMemoryMB int = 2048

@description('Required. Runtime storage account (AzureWebJobsStorage, Durable state, deployment packages); reached with the managed identity.')
param runtimeStorageName string

@description('Required. Blob container that holds deployment packages (Flex Consumption).')
param deploymentContainer string

@description('Optional. Browser origins allowed to call the API (the Static Web App).')
param allowedOrigins array = []

var isFlex = hostingPlan == 'FlexConsumption'

resource runtimeStorage 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: runtimeStorageName
}

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  // checkov:skip=CKV_AZURE_225: zone redundancy needs at least 3 always-on Premium instances (about 3x the seed's budget for compute); a later step when traffic justifies it
  name: planName
  location: location
  tags: tags
  kind: isFlex ? 'functionapp' : 'elastic'
  sku: isFlex ? {
    name: 'FC1'
    tier: 'FlexConsumption'
  } : {
    name: premiumSku
    tier: 'ElasticPremium'
  }
  properties: {
    reserved: true
    maximumElasticWorkerCount: isFlex ? null : 20
  }
}

var alwaysReadyHttp = {
  name: 'http'
  instanceCount: alwaysReadyInstances
}
var alwaysReady = alwaysReadyInstances > 0 ? [alwaysReadyHttp] : []

var flexConfig = {
  deployment: {
    storage: {
      type: 'blobContainer'
      value: '${runtimeStorage.properties.primaryEndpoints.blob}${deploymentContainer}'
      authentication: {
        type: 'SystemAssignedIdentity'
      }
    }
  }
  scaleAndConcurrency: {
    maximumInstanceCount: maximumInstanceCount
    instanceMemoryMB: instanceMemoryMB
    alwaysReady: alwaysReady
  }
  runtime: {
    name: 'python'
    version: '3.11'
  }
}

resource site 'Microsoft.Web/sites@2024-04-01' = {
  // checkov:skip=CKV_AZURE_56: the API authenticates staff itself (JWT, api/auth.py); App Service Authentication would also block the anonymous caller endpoints
  // checkov:skip=CKV_AZURE_17: callers are browsers and phone bridges without client certificates; tokens authenticate them
  // checkov:skip=CKV_AZURE_88: Azure Files is not used (Flex Consumption deploys from a blob container)
  // checkov:skip=CKV_AZURE_212: instance count is elastic (Flex Consumption / Elastic Premium); zone redundancy is a Premium-only later step
  // checkov:skip=CKV_AZURE_222: no VNet in the MVP, so public network access stays on; every route but health checks a token
  name: name
  location: location
  tags: union(tags, {
    'azd-service-name': 'api'
  })
  kind: 'functionapp,linux'
  identity: {
    type: 'SystemAssigned'
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    clientCertEnabled: false
    publicNetworkAccess: 'Enabled'
    functionAppConfig: isFlex ? flexConfig : null
    siteConfig: {
      linuxFxVersion: isFlex ? null : 'Python|3.11'
      minTlsVersion: '1.2'
      scmMinTlsVersion: '1.2'
      ftpsState: 'Disabled'
      http20Enabled: true
      remoteDebuggingEnabled: false
      healthCheckPath: '/api/health'
      cors: {
        allowedOrigins: allowedOrigins
        supportCredentials: false
      }
    }
  }
}

resource ftpPublishing 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2024-04-01' = {
  parent: site
  name: 'ftp'
  properties: {
    allow: false
  }
}

resource scmPublishing 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2024-04-01' = {
  parent: site
  name: 'scm'
  properties: {
    allow: false
  }
}

@description('Function App name.')
output name string = site.name

@description('Function App resource id.')
output id string = site.id

@description('Principal id of the system-assigned managed identity.')
output principalId string = site.identity.principalId

@description('Default host name.')
output hostName string = site.properties.defaultHostName
