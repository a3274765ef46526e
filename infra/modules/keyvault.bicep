metadata description = 'Key Vault (kv-reddytalk-*) with RBAC authorization and every secret the Function App reads through Key Vault references.'

@description('Required. Key Vault name (3-24 characters, globally unique).')
@maxLength(24)
param name string

@description('Required. Azure region.')
param location string

@description('Optional. Tags for every resource.')
param tags object = {}

@description('Required. Cosmos DB account whose connection string becomes the cosmos-connection secret.')
param cosmosAccountName string

@description('Required. Data storage account whose connection string becomes the storage-connection secret.')
param dataStorageName string

@description('Required. SignalR Service whose connection string becomes the signalr-connection secret.')
param signalrName string

@description('Required. Azure OpenAI account whose key becomes the azure-openai-api-key secret.')
param openAiName string

@description('Required. Speech account whose key becomes the speech-service-key secret.')
param speechName string

@secure()
@description('Required. HS256 key for access tokens (at least 32 random bytes).')
param jwtSecret string

@secure()
@description('Required. Key the telephony integration sends to start phone calls (at least 32 characters).')
param telephonyKey string

@secure()
@description('Optional. ElevenLabs API key; empty leaves the secret to be set by hand (docs/operations.md).')
param elevenLabsApiKey string = ''

@secure()
@description('Optional. OpenAI API key (LLM_PROVIDER=openai); empty leaves the secret to be set by hand.')
param openAiApiKey string = ''

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  // checkov:skip=CKV_AZURE_109: no VNet in the MVP; Key Vault references from a Function App without VNet integration need the public endpoint, and every read needs the Key Vault Secrets User role
  // checkov:skip=CKV_AZURE_189: same reason as CKV_AZURE_109
  // checkov:skip=CKV2_AZURE_32: private endpoints need a VNet, which the MVP plan does not have
  name: name
  location: location
  tags: tags
  properties: {
    tenantId: subscription().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 90
    enablePurgeProtection: true
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      bypass: 'AzureServices'
      defaultAction: 'Allow'
    }
  }
}

resource cosmos 'Microsoft.DocumentDB/databaseAccounts@2024-11-15' existing = {
  name: cosmosAccountName
}

resource dataStorage 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: dataStorageName
}

resource signalr 'Microsoft.SignalRService/signalR@2024-03-01' existing = {
  name: signalrName
}

resource openAi 'Microsoft.CognitiveServices/accounts@2024-10-01' existing = {
  name: openAiName
}

resource speech 'Microsoft.CognitiveServices/accounts@2024-10-01' existing = {
  name: speechName
}

// Secrets derived from resource keys are rewritten on every deployment, so rotating a key and
// redeploying (docs/operations.md) refreshes them. Expiry dates are not set (CKV_AZURE_41): an
// expired secret would fail every Key Vault reference and take the receptionist off the phone.

resource cosmosConnection 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  // checkov:skip=CKV_AZURE_41: rotated with the account key on redeploy; an expiry would take the app down
  parent: vault
  name: 'cosmos-connection'
  properties: {
    contentType: 'Cosmos DB connection string (DOCUMENTS_CONNECTION)'
    value: cosmos.listConnectionStrings().connectionStrings[0].connectionString
  }
}

resource storageConnection 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  // checkov:skip=CKV_AZURE_41: rotated with the account key on redeploy; an expiry would take the app down
  parent: vault
  name: 'storage-connection'
  properties: {
    contentType: 'Azure Storage connection string (BLOBS_CONNECTION, QUEUES_CONNECTION)'
    value: 'DefaultEndpointsProtocol=https;AccountName=${dataStorage.name};AccountKey=${dataStorage.listKeys().keys[0].value};EndpointSuffix=${environment().suffixes.storage}'
  }
}

resource signalrConnection 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  // checkov:skip=CKV_AZURE_41: rotated with the access key on redeploy; an expiry would take the app down
  parent: vault
  name: 'signalr-connection'
  properties: {
    contentType: 'SignalR Service connection string (AzureSignalRConnectionString)'
    value: signalr.listKeys().primaryConnectionString
  }
}

resource azureOpenAiKey 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  // checkov:skip=CKV_AZURE_41: rotated with the account key on redeploy; an expiry would take the app down
  parent: vault
  name: 'azure-openai-api-key'
  properties: {
    contentType: 'Azure OpenAI key (AZURE_OPENAI_API_KEY)'
    value: openAi.listKeys().key1
  }
}

resource speechKey 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  // checkov:skip=CKV_AZURE_41: rotated with the account key on redeploy; an expiry would take the app down
  parent: vault
  name: 'speech-service-key'
  properties: {
    contentType: 'Azure Speech key (SPEECH_SERVICE_KEY)'
    value: speech.listKeys().key1
  }
}

resource jwt 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  // checkov:skip=CKV_AZURE_41: rotation is a planned procedure (docs/operations.md); an expiry would sign every user out at once
  parent: vault
  name: 'jwt-secret'
  properties: {
    contentType: 'HS256 access-token key (JWT_SECRET)'
    value: jwtSecret
  }
}

resource telephony 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  // checkov:skip=CKV_AZURE_41: rotation is a planned procedure (docs/operations.md); an expiry would stop phone calls
  parent: vault
  name: 'telephony-key'
  properties: {
    contentType: 'Telephony integration key (TELEPHONY_KEY)'
    value: telephonyKey
  }
}

resource elevenLabs 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = if (!empty(elevenLabsApiKey)) {
  // checkov:skip=CKV_AZURE_114: contentType is set below; checkov does not read the properties of a conditional resource
  // checkov:skip=CKV_AZURE_41: vendor key rotated by hand (docs/operations.md); an expiry would silence the primary voice
  parent: vault
  name: 'elevenlabs-api-key'
  properties: {
    contentType: 'ElevenLabs API key (ELEVENLABS_API_KEY)'
    value: elevenLabsApiKey
  }
}

resource openAiApi 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = if (!empty(openAiApiKey)) {
  // checkov:skip=CKV_AZURE_114: contentType is set below; checkov does not read the properties of a conditional resource
  // checkov:skip=CKV_AZURE_41: vendor key rotated by hand (docs/operations.md); an expiry would stop the brain
  parent: vault
  name: 'openai-api-key'
  properties: {
    contentType: 'OpenAI API key (OPENAI_API_KEY)'
    value: openAiApiKey
  }
}

@description('Key Vault name.')
output name string = vault.name

@description('Key Vault resource id.')
output id string = vault.id

@description('Key Vault URI.')
output uri string = vault.properties.vaultUri
