metadata description = 'Links the Function App to the Static Web App as its backend: the site proxies /api/* to it (same origin, no CORS for the dashboard).'

@description('Required. Name of the Static Web App (Standard SKU: linked backends need it).')
param siteName string

@description('Required. Resource id of the Function App serving /api.')
param backendResourceId string

@description('Required. Region of the Function App.')
param backendRegion string

resource site 'Microsoft.Web/staticSites@2024-04-01' existing = {
  name: siteName
}

resource backend 'Microsoft.Web/staticSites/linkedBackends@2024-04-01' = {
  parent: site
  name: 'functions'
  properties: {
    backendResourceId: backendResourceId
    region: backendRegion
  }
}

@description('Name of the link.')
output name string = backend.name
