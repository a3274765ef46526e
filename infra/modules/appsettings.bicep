metadata description = 'App settings of the Function App: every setting of reddytalk/settings.py plus the host\'s own. Deployed after the role assignments, so Key Vault references resolve on first start.'

@description('Required. Function App name.')
param functionAppName string

@description('Required. FlexConsumption or ElasticPremium (the runtime settings differ).')
@allowed([
  'FlexConsumption'
  'ElasticPremium'
])
param hostingPlan string

@description('Required. Runtime storage account (AzureWebJobsStorage) reached with the managed identity.')
param runtimeStorageName string

@description('Required. Application Insights connection string.')
param appInsightsConnectionString string

@description('Required. Key Vault that holds the secrets the app settings reference.')
param keyVaultName string

@description('Optional. Durable Functions backend: AzureStorage (queues and tables in the runtime account) or DurableTaskScheduler.')
@allowed([
  'AzureStorage'
  'DurableTaskScheduler'
])
param durableBackend string = 'AzureStorage'

@description('Optional. Durable Task Scheduler endpoint when durableBackend is DurableTaskScheduler.')
param durableTaskSchedulerEndpoint string = ''

@description('Required. Durable task hub name (host.json durableTask.hubName).')
param taskHubName string

@description('Required. Cosmos DB database name.')
param documentsDatabase string

@description('Required. Blob container for call recordings.')
param recordingsContainer string

@description('Required. Blob container for caller utterances.')
param utterancesContainer string

@description('Required. Blob container for the TTS cache.')
param ttsCacheContainer string

@description('Required. Queue that carries training jobs.')
param trainingQueue string

@description('Required. Azure OpenAI endpoint URL.')
param azureOpenAiEndpoint string

@description('Required. Azure OpenAI deployment name.')
param azureOpenAiDeployment string

@description('Required. Azure Speech region.')
param speechServiceRegion string

@description('Optional. Text-to-speech fallback chain, first is primary.')
param ttsProviders string = 'elevenlabs,azure,local'

var isFlex = hostingPlan == 'FlexConsumption'

resource site 'Microsoft.Web/sites@2024-04-01' existing = {
  name: functionAppName
}

// Every setting of reddytalk/settings.py (tests/infra checks the list against the code).
// Secrets are Key Vault references resolved by the platform with the app's managed identity.
var reddytalkSettings = {
  DOCUMENTS_CONNECTION: '@Microsoft.KeyVault(VaultName=${keyVaultName};SecretName=cosmos-connection)'
  DOCUMENTS_DATABASE: documentsDatabase
  BLOBS_CONNECTION: '@Microsoft.KeyVault(VaultName=${keyVaultName};SecretName=storage-connection)'
  QUEUES_CONNECTION: '@Microsoft.KeyVault(VaultName=${keyVaultName};SecretName=storage-connection)'
  TRAINING_QUEUE: trainingQueue
  RECORDINGS_CONTAINER: recordingsContainer
  UTTERANCES_CONTAINER: utterancesContainer
  TTS_CACHE_CONTAINER: ttsCacheContainer
  AzureSignalRConnectionString: '@Microsoft.KeyVault(VaultName=${keyVaultName};SecretName=signalr-connection)'
  SIGNALR_HUB: 'reddytalk'
  STT_PROVIDER: 'azure'
  TTS_PROVIDERS: ttsProviders
  LLM_PROVIDER: 'azure_openai'
  STT_MODEL: 'tiny.en'
  TTS_VOICE: 'en-us'
  OPENAI_API_KEY: '@Microsoft.KeyVault(VaultName=${keyVaultName};SecretName=openai-api-key)'
  OPENAI_MODEL: 'gpt-4o-mini'
  AZURE_OPENAI_ENDPOINT: azureOpenAiEndpoint
  AZURE_OPENAI_API_KEY: '@Microsoft.KeyVault(VaultName=${keyVaultName};SecretName=azure-openai-api-key)'
  AZURE_OPENAI_DEPLOYMENT: azureOpenAiDeployment
  AZURE_OPENAI_API_VERSION: '2024-10-21'
  LLM_TIMEOUT_SECONDS: '8'
  LLM_TURN_BUDGET_SECONDS: '15'
  LLM_MAX_ATTEMPTS: '3'
  SPEECH_SERVICE_KEY: '@Microsoft.KeyVault(VaultName=${keyVaultName};SecretName=speech-service-key)'
  SPEECH_SERVICE_REGION: speechServiceRegion
  SPEECH_VOICE: 'en-US-JennyNeural'
  ELEVENLABS_API_KEY: '@Microsoft.KeyVault(VaultName=${keyVaultName};SecretName=elevenlabs-api-key)'
  ELEVENLABS_VOICE_ID: '21m00Tcm4TlvDq8ikWAM'
  ELEVENLABS_MODEL: 'eleven_flash_v2_5'
  TTS_TIMEOUT_SECONDS: '3'
  TTS_BREAKER_FAILURES: '3'
  TTS_BREAKER_COOLDOWN_SECONDS: '30'
  TURN_MODE: 'streaming'
  END_OF_TURN_SILENCE_MS: '500'
  SPECULATIVE_PAUSE_MS: '120'
  IDLE_TIMEOUT_SECONDS: '30'
  TURNS_PER_EPISODE: '8'
  MAX_AUDIO_CHUNK_BYTES: '262144'
  MAX_UTTERANCE_SECONDS: '30'
  REPLY_AUDIO_LEAD_MS: '1000'
  ENVIRONMENT: 'production'
  JWT_SECRET: '@Microsoft.KeyVault(VaultName=${keyVaultName};SecretName=jwt-secret)'
  JWT_ISSUER: 'reddytalk'
  JWT_AUDIENCE: 'reddytalk-api'
  ACCESS_TOKEN_MINUTES: '15'
  REFRESH_TOKEN_DAYS: '14'
  TELEPHONY_KEY: '@Microsoft.KeyVault(VaultName=${keyVaultName};SecretName=telephony-key)'
  // The Functions front end appends the client address to X-Forwarded-For (one hop; two behind Front Door).
  TRUSTED_PROXY_HOPS: '1'
  WEB_CALL_STARTS_PER_MINUTE: '10'
  MAX_CONCURRENT_CALLS: '20'
  LOG_LEVEL: 'INFO'
  // Not a secret once local auth is off: it names the ingestion endpoint; writes need Entra ID.
  APPLICATIONINSIGHTS_CONNECTION_STRING: appInsightsConnectionString
}

// The Functions host itself: identity-based storage, Entra ID telemetry.
var hostSettings = {
  AzureWebJobsStorage__accountName: runtimeStorageName
  AzureWebJobsStorage__credential: 'managedidentity'
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'Authorization=AAD'
}

// Elastic Premium needs the runtime named in settings; Flex Consumption rejects these two.
var premiumSettings = isFlex ? {} : {
  FUNCTIONS_EXTENSION_VERSION: '~4'
  FUNCTIONS_WORKER_RUNTIME: 'python'
}

// host.json stays as it is; app settings switch the Durable storage provider (AzureFunctionsJobHost__ overrides).
var durableTaskSchedulerSettings = {
  DURABLE_TASK_SCHEDULER_CONNECTION_STRING: 'Endpoint=${durableTaskSchedulerEndpoint};Authentication=ManagedIdentity'
  AzureFunctionsJobHost__extensions__durableTask__storageProvider__type: 'azureManaged'
  AzureFunctionsJobHost__extensions__durableTask__storageProvider__connectionStringName: 'DURABLE_TASK_SCHEDULER_CONNECTION_STRING'
  AzureFunctionsJobHost__extensions__durableTask__hubName: taskHubName
}
var durableSettings = durableBackend == 'DurableTaskScheduler' ? durableTaskSchedulerSettings : {}

resource appSettings 'Microsoft.Web/sites/config@2024-04-01' = {
  // This resource holds app settings only; checkov applies its site-configuration checks to every sites/config resource.
  // checkov:skip=CKV_AZURE_13: the API authenticates staff itself (JWT); App Service Authentication would block the anonymous caller endpoints
  // checkov:skip=CKV_AZURE_63: HTTP logs of App Service; the Functions host sends every request to Application Insights
  // checkov:skip=CKV_AZURE_65: detailed error pages of App Service; the Functions host serves none, errors go to Application Insights
  // checkov:skip=CKV_AZURE_66: failed request tracing of App Service; failed requests are in Application Insights
  // checkov:skip=CKV_AZURE_80: a Python app; there is no .NET Framework version
  // checkov:skip=CKV_AZURE_88: Azure Files is not used (Flex Consumption deploys from a blob container)
  // checkov:skip=CKV_AZURE_222: no VNet in the MVP, so public network access stays on; every route but health checks a token
  parent: site
  name: 'appsettings'
  properties: union(reddytalkSettings, hostSettings, premiumSettings, durableSettings)
}
