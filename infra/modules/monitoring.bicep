metadata description = 'Log Analytics workspace and workspace-based Application Insights (ai-reddytalk-monitoring).'

@description('Required. Application Insights component name.')
param appInsightsName string

@description('Required. Log Analytics workspace name.')
param logAnalyticsName string

@description('Required. Azure region.')
param location string

@description('Optional. Tags for every resource.')
param tags object = {}

@description('Optional. Days Log Analytics keeps logs (30 is free; HIPAA audit trails live in Cosmos DB, not here).')
@minValue(30)
@maxValue(730)
param retentionDays int = 30

@description('Optional. Daily ingestion cap in GB; keeps a logging storm from turning into a bill (the seed counts on the free 5 GB/month).')
param dailyQuotaGb int = 1

resource workspace 'Microsoft.OperationalInsights/workspaces@2023-09-01' = {
  name: logAnalyticsName
  location: location
  tags: tags
  properties: {
    sku: {
      name: 'PerGB2018'
    }
    retentionInDays: retentionDays
    workspaceCapping: {
      dailyQuotaGb: dailyQuotaGb
    }
  }
}

resource appInsights 'Microsoft.Insights/components@2020-02-02' = {
  name: appInsightsName
  location: location
  tags: tags
  kind: 'web'
  properties: {
    Application_Type: 'web'
    WorkspaceResourceId: workspace.id
    // Ingestion only with Entra ID: the connection string alone cannot write telemetry.
    DisableLocalAuth: true
    IngestionMode: 'LogAnalytics'
  }
}

@description('Application Insights connection string (not a secret with local auth disabled).')
output connectionString string = appInsights.properties.ConnectionString

@description('Application Insights resource id (alert scope).')
output appInsightsId string = appInsights.id

@description('Application Insights name.')
output appInsightsName string = appInsights.name

@description('Log Analytics workspace resource id.')
output workspaceId string = workspace.id
