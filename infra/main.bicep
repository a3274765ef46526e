metadata description = 'ReddyTalk on Azure: creates rg-reddytalk-<environment> and every resource of the seed migration plan.'

targetScope = 'subscription'

@description('Required. azd environment name (dev, prod, mvp); part of every resource name.')
@minLength(1)
@maxLength(12)
param environmentName string

@description('Required. Azure region of the resources.')
param location string

@description('Optional. Region of Azure OpenAI (one that offers the model).')
param openAiLocation string = location

@description('Optional. Region of the Static Web App (offered in a few regions only).')
@allowed([
  'centralus'
  'eastus2'
  'westus2'
  'westeurope'
  'eastasia'
])
param staticWebAppLocation string = 'eastus2'

@description('Optional. FlexConsumption (scale to zero) or ElasticPremium (pre-warmed, no cold starts; the seed\'s "Premium plan upgrade").')
@allowed([
  'FlexConsumption'
  'ElasticPremium'
])
param hostingPlan string = 'FlexConsumption'

@description('Optional. Flex Consumption always-ready HTTP instances (0 = scale to zero).')
@minValue(0)
param alwaysReadyInstances int = 0

@description('Optional. Durable Functions backend: AzureStorage or DurableTaskScheduler.')
@allowed([
  'AzureStorage'
  'DurableTaskScheduler'
])
param durableBackend string = 'AzureStorage'

@description('Optional. Days a call recording or utterance is kept before deletion (after 30 days it moves to the cool tier). Default 6 years (HIPAA documentation retention).')
@minValue(31)
param recordingRetentionDays int = 2190

@description('Optional. Days a TTS cache blob is kept. Short: cached audio can speak a patient\'s name.')
@minValue(1)
@maxValue(30)
param ttsCacheRetentionDays int = 30

@description('Optional. Monthly budget in USD (seed: 1000).')
@minValue(1)
param monthlyBudget int = 1000

@description('Optional. First day of the first budget month (yyyy-MM-01); pin it in the azd environment (BUDGET_START_DATE).')
param budgetStartDate string = '${utcNow('yyyy-MM')}-01'

@description('Required. Addresses for budget notifications and alerts.')
param alertEmails array

@description('Optional. Principal id of the deploying user or pipeline (Key Vault Secrets Officer for rotation).')
param principalId string = ''

@description('Optional. Principal type of principalId.')
@allowed([
  'User'
  'ServicePrincipal'
])
param principalType string = 'User'

@secure()
@description('Required. HS256 key for access tokens (at least 32 random bytes): azd env set JWT_SECRET "$(openssl rand -base64 48)".')
@minLength(32)
param jwtSecret string

@secure()
@description('Required. Key the telephony integration sends (X-Telephony-Key) to start phone calls: azd env set TELEPHONY_KEY "$(openssl rand -base64 48)".')
@minLength(32)
param telephonyKey string

@secure()
@description('Optional. ElevenLabs API key; without it the voice chain starts at Azure Speech.')
param elevenLabsApiKey string = ''

@secure()
@description('Optional. OpenAI API key (only for LLM_PROVIDER=openai).')
param openAiApiKey string = ''

// Globally unique names get a short token derived from subscription, environment and region.
var token = take(uniqueString(subscription().id, environmentName, location), 6)
// Cosmos DB and Key Vault names must be lowercase.
var env = toLower(environmentName)
var tags = {
  'azd-env-name': environmentName
  application: 'reddytalk'
}

// The app's defaults (reddytalk/settings.py); tests/infra checks they match.
var blobContainers = {
  recordings: 'recordings'
  utterances: 'utterances'
  ttsCache: 'tts-cache'
}
var trainingQueue = 'training-jobs'
var documentsDatabase = 'reddytalk'
// host.json durableTask.hubName; tests/infra checks they match.
var taskHubName = 'ReddyTalkHub'
var deploymentContainer = 'app-package'

var names = {
  resourceGroup: 'rg-reddytalk-${env}'
  staticWebApp: 'swa-reddytalk-frontend-${env}'
  functionApp: 'func-reddytalk-api-${env}-${token}'
  plan: 'plan-reddytalk-api-${env}'
  dataStorage: 'streddytalkdata${token}'
  runtimeStorage: 'streddytalkfunc${token}'
  appInsights: 'ai-reddytalk-monitoring-${env}'
  logAnalytics: 'log-reddytalk-${env}'
  signalr: 'signalr-reddytalk-${env}-${token}'
  cosmos: 'cosmos-reddytalk-data-${env}-${token}'
  openAi: 'openai-reddytalk-gpt-${env}-${token}'
  speech: 'speech-reddytalk-stt-${env}-${token}'
  keyVault: 'kv-reddytalk-${token}'
  durableTaskScheduler: 'dts-reddytalk-${env}-${token}'
  budget: 'budget-reddytalk-${env}'
}

var useDurableTaskScheduler = durableBackend == 'DurableTaskScheduler'
var ttsProviders = empty(elevenLabsApiKey) ? 'azure,local' : 'elevenlabs,azure,local'

resource rg 'Microsoft.Resources/resourceGroups@2024-03-01' = {
  name: names.resourceGroup
  location: location
  tags: tags
}

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  scope: rg
  params: {
    appInsightsName: names.appInsights
    logAnalyticsName: names.logAnalytics
    location: location
    tags: tags
  }
}

module dataStorage 'modules/storage.bicep' = {
  name: 'data-storage'
  scope: rg
  params: {
    name: names.dataStorage
    location: location
    tags: tags
    containers: [
      blobContainers.recordings
      blobContainers.utterances
      blobContainers.ttsCache
    ]
    queues: [
      trainingQueue
    ]
    retainedContainers: [
      blobContainers.recordings
      blobContainers.utterances
    ]
    shortLivedContainers: [
      blobContainers.ttsCache
    ]
    coolAfterDays: 30
    retentionDays: recordingRetentionDays
    shortLivedDays: ttsCacheRetentionDays
    // The app's blob and queue stores take account-key connection strings (docs/operations.md).
    allowSharedKeyAccess: true
  }
}

module runtimeStorage 'modules/storage.bicep' = {
  name: 'runtime-storage'
  scope: rg
  params: {
    name: names.runtimeStorage
    location: location
    tags: tags
    containers: [
      deploymentContainer
    ]
    // The Functions host, the Durable extension and Flex deployments all sign in with the managed identity.
    allowSharedKeyAccess: false
  }
}

module staticWebApp 'modules/staticwebapp.bicep' = {
  name: 'static-web-app'
  scope: rg
  params: {
    name: names.staticWebApp
    location: staticWebAppLocation
    tags: tags
  }
}

module signalr 'modules/signalr.bicep' = {
  name: 'signalr'
  scope: rg
  params: {
    name: names.signalr
    location: location
    tags: tags
    allowedOrigins: [
      'https://${staticWebApp.outputs.hostName}'
    ]
  }
}

module cosmos 'modules/cosmos.bicep' = {
  name: 'cosmos'
  scope: rg
  params: {
    name: names.cosmos
    location: location
    tags: tags
    databaseName: documentsDatabase
  }
}

module openAi 'modules/openai.bicep' = {
  name: 'openai'
  scope: rg
  params: {
    name: names.openAi
    location: openAiLocation
    tags: tags
  }
}

module speech 'modules/speech.bicep' = {
  name: 'speech'
  scope: rg
  params: {
    name: names.speech
    location: location
    tags: tags
  }
}

module keyVault 'modules/keyvault.bicep' = {
  name: 'keyvault'
  scope: rg
  params: {
    name: names.keyVault
    location: location
    tags: tags
    cosmosAccountName: cosmos.outputs.name
    dataStorageName: dataStorage.outputs.name
    signalrName: signalr.outputs.name
    openAiName: openAi.outputs.name
    speechName: speech.outputs.name
    jwtSecret: jwtSecret
    telephonyKey: telephonyKey
    elevenLabsApiKey: elevenLabsApiKey
    openAiApiKey: openAiApiKey
  }
}

module durableTaskScheduler 'modules/durabletask.bicep' = if (useDurableTaskScheduler) {
  name: 'durable-task-scheduler'
  scope: rg
  params: {
    name: names.durableTaskScheduler
    location: location
    tags: tags
    taskHubName: taskHubName
  }
}

module functionApp 'modules/functionapp.bicep' = {
  name: 'function-app'
  scope: rg
  params: {
    name: names.functionApp
    planName: names.plan
    location: location
    tags: tags
    hostingPlan: hostingPlan
    alwaysReadyInstances: alwaysReadyInstances
    runtimeStorageName: runtimeStorage.outputs.name
    deploymentContainer: deploymentContainer
    allowedOrigins: [
      'https://${staticWebApp.outputs.hostName}'
    ]
  }
}

// The dashboard calls /api on its own origin; Static Web Apps forwards it to the Function App.
module staticWebAppBackend 'modules/staticwebapp-backend.bicep' = {
  name: 'static-web-app-backend'
  scope: rg
  params: {
    siteName: staticWebApp.outputs.name
    backendResourceId: functionApp.outputs.id
    backendRegion: location
  }
}

module rbac 'modules/rbac.bicep' = {
  name: 'rbac'
  scope: rg
  params: {
    principalId: functionApp.outputs.principalId
    deployerPrincipalId: principalId
    deployerPrincipalType: principalType
    runtimeStorageName: runtimeStorage.outputs.name
    dataStorageName: dataStorage.outputs.name
    cosmosAccountName: cosmos.outputs.name
    keyVaultName: keyVault.outputs.name
    signalrName: signalr.outputs.name
    openAiName: openAi.outputs.name
    speechName: speech.outputs.name
    appInsightsName: monitoring.outputs.appInsightsName
    durableTaskSchedulerName: useDurableTaskScheduler ? names.durableTaskScheduler : ''
  }
  dependsOn: [
    durableTaskScheduler
  ]
}

module appSettings 'modules/appsettings.bicep' = {
  name: 'app-settings'
  scope: rg
  params: {
    functionAppName: functionApp.outputs.name
    hostingPlan: hostingPlan
    runtimeStorageName: runtimeStorage.outputs.name
    appInsightsConnectionString: monitoring.outputs.connectionString
    keyVaultName: keyVault.outputs.name
    durableBackend: durableBackend
    durableTaskSchedulerEndpoint: useDurableTaskScheduler ? durableTaskScheduler.outputs.endpoint : ''
    taskHubName: taskHubName
    documentsDatabase: documentsDatabase
    recordingsContainer: blobContainers.recordings
    utterancesContainer: blobContainers.utterances
    ttsCacheContainer: blobContainers.ttsCache
    trainingQueue: trainingQueue
    azureOpenAiEndpoint: openAi.outputs.endpoint
    azureOpenAiDeployment: openAi.outputs.deploymentName
    speechServiceRegion: speech.outputs.region
    ttsProviders: ttsProviders
  }
  // Key Vault references and identity-based storage resolve only once the roles exist.
  dependsOn: [
    rbac
  ]
}

module alerts 'modules/alerts.bicep' = {
  name: 'alerts'
  scope: rg
  params: {
    namePrefix: 'reddytalk-${env}'
    location: location
    tags: tags
    alertEmails: alertEmails
    appInsightsId: monitoring.outputs.appInsightsId
    cosmosAccountId: cosmos.outputs.id
  }
}

module budget 'modules/budgets.bicep' = {
  name: 'budget'
  scope: rg
  params: {
    name: names.budget
    amount: monthlyBudget
    startDate: budgetStartDate
    contactEmails: alertEmails
    actionGroupId: alerts.outputs.actionGroupId
  }
}

@description('Resource group name.')
output AZURE_RESOURCE_GROUP string = rg.name

@description('Region of the resources.')
output AZURE_LOCATION string = location

@description('Function App name (deploy target).')
output AZURE_FUNCTION_APP_NAME string = functionApp.outputs.name

@description('Function App URL.')
output API_BASE_URL string = 'https://${functionApp.outputs.hostName}'

@description('Static Web App name (deploy target).')
output AZURE_STATIC_WEB_APP_NAME string = staticWebApp.outputs.name

@description('Static Web App URL.')
output WEB_BASE_URL string = 'https://${staticWebApp.outputs.hostName}'

@description('Key Vault name (secret rotation).')
output AZURE_KEY_VAULT_NAME string = keyVault.outputs.name

@description('Cosmos DB account name.')
output AZURE_COSMOS_ACCOUNT_NAME string = cosmos.outputs.name

@description('Data storage account name.')
output AZURE_STORAGE_ACCOUNT_NAME string = dataStorage.outputs.name
