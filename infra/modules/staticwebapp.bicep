metadata description = 'Static Web App (swa-reddytalk-frontend): the staff dashboard and the web caller page.'

@description('Required. Static Web App name.')
param name string

@description('Required. Region (Static Web Apps run in a few regions only).')
param location string

@description('Optional. Tags for every resource.')
param tags object = {}

@description('Optional. SKU: Standard links the Function App as the /api backend (staticwebapp-backend.bicep); Free cannot.')
@allowed([
  'Free'
  'Standard'
])
param skuName string = 'Standard'

resource site 'Microsoft.Web/staticSites@2024-04-01' = {
  name: name
  location: location
  tags: union(tags, {
    'azd-service-name': 'web'
  })
  sku: {
    name: skuName
    tier: skuName
  }
  properties: {
    allowConfigFileUpdates: true
    stagingEnvironmentPolicy: 'Enabled'
  }
}

@description('Static Web App name.')
output name string = site.name

@description('Default host name (CORS origin of the API).')
output hostName string = site.properties.defaultHostname
