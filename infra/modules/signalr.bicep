metadata description = 'Azure SignalR Service in serverless mode (signalr-reddytalk): staff dashboards get live call updates.'

@description('Required. SignalR Service name (globally unique).')
param name string

@description('Required. Azure region.')
param location string

@description('Optional. Tags for every resource.')
param tags object = {}

@description('Optional. SKU: Free_F1 (20 connections, the seed) or Standard_S1.')
@allowed([
  'Free_F1'
  'Standard_S1'
])
param skuName string = 'Free_F1'

@description('Optional. Allowed CORS origins (the Static Web App).')
param allowedOrigins array = []

resource signalr 'Microsoft.SignalRService/signalR@2024-03-01' = {
  name: name
  location: location
  tags: tags
  kind: 'SignalR'
  sku: {
    name: skuName
    capacity: 1
  }
  properties: {
    features: [
      {
        flag: 'ServiceMode'
        value: 'Serverless'
      }
      {
        flag: 'EnableConnectivityLogs'
        value: 'True'
      }
    ]
    cors: {
      allowedOrigins: empty(allowedOrigins) ? [
        'https://localhost'
      ] : allowedOrigins
    }
    tls: {
      clientCertEnabled: false
    }
    // The app signs client tokens with the access key (AzureSignalRConnectionString from Key Vault).
    disableLocalAuth: false
    publicNetworkAccess: 'Enabled'
  }
}

@description('SignalR Service name.')
output name string = signalr.name

@description('SignalR Service resource id.')
output id string = signalr.id

@description('SignalR Service host name.')
output hostName string = signalr.properties.hostName
