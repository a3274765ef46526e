metadata description = 'Cosmos DB for NoSQL, serverless (cosmos-reddytalk-data): one database, one container per entry of reddytalk/stores/containers.py.'

@description('Required. Cosmos DB account name (globally unique, lowercase).')
param name string

@description('Required. Azure region.')
param location string

@description('Optional. Tags for every resource.')
param tags object = {}

@description('Optional. Database name (DOCUMENTS_DATABASE).')
param databaseName string = 'reddytalk'

// One entry per container of reddytalk/stores/containers.py (tests/infra checks they are equal).
// defaultTtl: -1 = items expire by their own ttl field; absent = items live until deleted.
// compositeIndexes: the container's declared indexes (cosmos_indexing_policy in containers.py);
// every path is indexed anyway, these serve queries that filter on some fields and sort by another.
var containers = [
  {
    name: 'users'
    partitionKey: '/id'
  }
  {
    name: 'patients'
    partitionKey: '/patient_id'
    // The staff patient search: one practice's patients by last-name prefix, date of birth or phone,
    // sorted by last name (PATIENT_SEARCH_INDEXES in containers.py).
    compositeIndexes: [
      [
        {
          path: '/practice_id'
          order: 'ascending'
        }
        {
          path: '/kind'
          order: 'ascending'
        }
        {
          path: '/last_name_lc'
          order: 'ascending'
        }
      ]
      [
        {
          path: '/practice_id'
          order: 'ascending'
        }
        {
          path: '/kind'
          order: 'ascending'
        }
        {
          path: '/dob'
          order: 'ascending'
        }
        {
          path: '/last_name_lc'
          order: 'ascending'
        }
      ]
      [
        {
          path: '/practice_id'
          order: 'ascending'
        }
        {
          path: '/kind'
          order: 'ascending'
        }
        {
          path: '/phone'
          order: 'ascending'
        }
        {
          path: '/last_name_lc'
          order: 'ascending'
        }
      ]
    ]
  }
  {
    name: 'sessions'
    partitionKey: '/user_id'
    defaultTtl: -1
  }
  {
    name: 'transcripts'
    partitionKey: '/session_id'
  }
  {
    name: 'training'
    partitionKey: '/type'
    defaultTtl: -1
  }
  {
    name: 'models'
    partitionKey: '/version'
  }
  {
    name: 'practices'
    partitionKey: '/practice_id'
  }
  {
    name: 'appointments'
    partitionKey: '/practice_id'
  }
  {
    name: 'audit'
    partitionKey: '/practice_id'
  }
  {
    name: 'tokens'
    partitionKey: '/user_id'
    defaultTtl: -1
  }
  {
    name: 'idempotency'
    partitionKey: '/scope'
    defaultTtl: -1
  }
  {
    name: 'login_throttle'
    partitionKey: '/key'
    defaultTtl: -1
  }
  {
    name: 'messages'
    partitionKey: '/practice_id'
  }
]

resource account 'Microsoft.DocumentDB/databaseAccounts@2024-11-15' = {
  // checkov:skip=CKV_AZURE_99: no VNet in the MVP; the Function App reaches Cosmos DB over its public endpoint with a key from Key Vault
  // checkov:skip=CKV_AZURE_100: Microsoft-managed keys encrypt at rest; customer-managed keys are a later hardening step
  // checkov:skip=CKV_AZURE_101: same reason as CKV_AZURE_99 (no fixed outbound addresses on Flex Consumption without a VNet)
  // checkov:skip=CKV_AZURE_140: the app's document store signs in with the account key (DOCUMENTS_CONNECTION from Key Vault); the data-plane role assignment is in place for the switch to Entra ID
  name: name
  location: location
  tags: tags
  kind: 'GlobalDocumentDB'
  properties: {
    databaseAccountOfferType: 'Standard'
    consistencyPolicy: {
      defaultConsistencyLevel: 'Session'
    }
    locations: [
      {
        locationName: location
        failoverPriority: 0
        isZoneRedundant: false
      }
    ]
    capabilities: [
      {
        name: 'EnableServerless'
      }
    ]
    backupPolicy: {
      type: 'Continuous'
      continuousModeProperties: {
        tier: 'Continuous7Days'
      }
    }
    minimalTlsVersion: 'Tls12'
    disableKeyBasedMetadataWriteAccess: true
    disableLocalAuth: false
    publicNetworkAccess: 'Enabled'
  }
}

resource database 'Microsoft.DocumentDB/databaseAccounts/sqlDatabases@2024-11-15' = {
  parent: account
  name: databaseName
  properties: {
    resource: {
      id: databaseName
    }
  }
}

resource sqlContainers 'Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers@2024-11-15' = [
  for c in containers: {
    parent: database
    name: c.name
    properties: {
      resource: {
        id: c.name
        partitionKey: {
          paths: [
            c.partitionKey
          ]
          kind: 'Hash'
        }
        // null leaves time-to-live off (ARM drops null properties).
        defaultTtl: contains(c, 'defaultTtl') ? c.defaultTtl : null
        // Azure's default policy (every path, consistent) plus the container's composite indexes.
        indexingPolicy: {
          indexingMode: 'consistent'
          automatic: true
          includedPaths: [
            {
              path: '/*'
            }
          ]
          excludedPaths: [
            {
              path: '/"_etag"/?'
            }
          ]
          compositeIndexes: contains(c, 'compositeIndexes') ? c.compositeIndexes : []
        }
      }
    }
  }
]

@description('Cosmos DB account name.')
output name string = account.name

@description('Cosmos DB account resource id.')
output id string = account.id

@description('Cosmos DB document endpoint.')
output endpoint string = account.properties.documentEndpoint

@description('Database name.')
output databaseName string = database.name
