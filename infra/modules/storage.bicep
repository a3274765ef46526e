metadata description = 'A storage account with blob containers, queues and lifecycle rules (data: recordings, utterances, TTS cache, training jobs; runtime: host and deployment storage).'

@description('Required. Storage account name (3-24 lowercase letters and digits, globally unique).')
@minLength(3)
@maxLength(24)
param name string

@description('Required. Azure region.')
param location string

@description('Optional. Tags for every resource.')
param tags object = {}

@description('Optional. Blob containers to create.')
param containers array = []

@description('Optional. Queues to create.')
param queues array = []

@description('Optional. Containers whose blobs move to the cool tier after coolAfterDays and are deleted after retentionDays.')
param retainedContainers array = []

@description('Optional. Containers whose blobs are deleted after shortLivedDays (no cool tier: cool bills 30 days minimum).')
param shortLivedContainers array = []

@description('Optional. Days after the last write before a retained blob moves to the cool tier.')
@minValue(1)
param coolAfterDays int = 30

@description('Optional. Days after the last write before a retained blob is deleted; longer than coolAfterDays.')
@minValue(31)
param retentionDays int = 2555

@description('Optional. Days after the last write before a short-lived blob is deleted.')
@minValue(1)
param shortLivedDays int = 30

@description('Optional. Whether account keys (shared key / SAS) work. Off wherever every client signs in with Entra ID.')
param allowSharedKeyAccess bool = false

@description('Optional. Replication SKU.')
@allowed([
  'Standard_LRS'
  'Standard_ZRS'
  'Standard_GRS'
  'Standard_GZRS'
])
param skuName string = 'Standard_ZRS'

resource account 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  // checkov:skip=CKV_AZURE_35: the MVP has no VNet (Flex Consumption without VNet integration could not reach a locked account); every request needs Entra ID roles or the data key kept in Key Vault
  // checkov:skip=CKV_AZURE_59: same reason as CKV_AZURE_35; anonymous blob access is off (allowBlobPublicAccess false)
  // checkov:skip=CKV_AZURE_206: replication is a parameter (default Standard_ZRS, zone-redundant) that checkov cannot resolve
  name: name
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: {
    name: skuName
  }
  properties: {
    accessTier: 'Hot'
    allowBlobPublicAccess: false
    allowSharedKeyAccess: allowSharedKeyAccess
    allowCrossTenantReplication: false
    defaultToOAuthAuthentication: true
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      bypass: 'AzureServices'
      defaultAction: 'Allow'
    }
    encryption: {
      keySource: 'Microsoft.Storage'
      requireInfrastructureEncryption: true
      services: {
        blob: {
          enabled: true
        }
        queue: {
          enabled: true
          keyType: 'Account'
        }
        table: {
          enabled: true
          keyType: 'Account'
        }
      }
    }
  }
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2023-05-01' = {
  parent: account
  name: 'default'
  properties: {
    deleteRetentionPolicy: {
      enabled: true
      days: 7
    }
    containerDeleteRetentionPolicy: {
      enabled: true
      days: 7
    }
  }
}

resource blobContainers 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = [
  for container in containers: {
    parent: blobService
    name: container
    properties: {
      publicAccess: 'None'
    }
  }
]

resource queueService 'Microsoft.Storage/storageAccounts/queueServices@2023-05-01' = {
  parent: account
  name: 'default'
}

resource storageQueues 'Microsoft.Storage/storageAccounts/queueServices/queues@2023-05-01' = [
  for queue in queues: {
    parent: queueService
    name: queue
  }
]

var retainRule = {
  name: 'cool-then-delete'
  enabled: true
  type: 'Lifecycle'
  definition: {
    filters: {
      blobTypes: [
        'blockBlob'
      ]
      prefixMatch: [for c in retainedContainers: '${c}/']
    }
    actions: {
      baseBlob: {
        tierToCool: {
          daysAfterModificationGreaterThan: coolAfterDays
        }
        delete: {
          daysAfterModificationGreaterThan: retentionDays
        }
      }
      snapshot: {
        delete: {
          daysAfterCreationGreaterThan: retentionDays
        }
      }
    }
  }
}

var shortLivedRule = {
  name: 'delete-short-lived'
  enabled: true
  type: 'Lifecycle'
  definition: {
    filters: {
      blobTypes: [
        'blockBlob'
      ]
      prefixMatch: [for c in shortLivedContainers: '${c}/']
    }
    actions: {
      baseBlob: {
        delete: {
          daysAfterModificationGreaterThan: shortLivedDays
        }
      }
    }
  }
}

var retainRules = empty(retainedContainers) ? [] : [retainRule]
var shortLivedRules = empty(shortLivedContainers) ? [] : [shortLivedRule]

resource lifecycle 'Microsoft.Storage/storageAccounts/managementPolicies@2023-05-01' = if (!empty(concat(retainedContainers, shortLivedContainers))) {
  parent: account
  name: 'default'
  properties: {
    policy: {
      rules: concat(retainRules, shortLivedRules)
    }
  }
  dependsOn: [
    blobContainers
  ]
}

@description('Storage account name.')
output name string = account.name

@description('Storage account resource id.')
output id string = account.id

@description('Blob endpoint URL.')
output blobEndpoint string = account.properties.primaryEndpoints.blob
