metadata description = 'Durable Task Scheduler and its task hub: the managed Durable Functions backend (chosen by durableBackend).'

@description('Required. Scheduler name.')
param name string

@description('Required. Azure region.')
param location string

@description('Optional. Tags for every resource.')
param tags object = {}

@description('Required. Task hub name; equals durableTask.hubName in host.json.')
param taskHubName string

@description('Optional. SKU: Consumption (pay per action) or Dedicated.')
@allowed([
  'Consumption'
  'Dedicated'
])
param skuName string = 'Consumption'

resource scheduler 'Microsoft.DurableTask/schedulers@2024-10-01-preview' = {
  name: name
  location: location
  tags: tags
  properties: {
    ipAllowlist: [
      '0.0.0.0/0'
    ]
    sku: {
      name: skuName
    }
  }
}

resource taskHub 'Microsoft.DurableTask/schedulers/taskHubs@2024-10-01-preview' = {
  parent: scheduler
  name: taskHubName
}

@description('Scheduler resource id (role assignment scope).')
output id string = scheduler.id

@description('Scheduler endpoint (DURABLE_TASK_SCHEDULER_CONNECTION_STRING).')
output endpoint string = scheduler.properties.endpoint

@description('Task hub name.')
output taskHubName string = taskHub.name
