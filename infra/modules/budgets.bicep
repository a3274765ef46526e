metadata description = 'Monthly cost budget for the resource group: actual-cost notifications at 50/80/95 % and a forecast notification at 150 % (the seed\'s cost rollback trigger).'

@description('Required. Budget name.')
param name string

@description('Optional. Monthly budget in the billing currency (USD for the seed).')
@minValue(1)
param amount int = 1000

@description('Required. First day of the first budget month (yyyy-MM-01); keep it fixed across deployments.')
param startDate string

@description('Required. Addresses that receive budget notifications.')
param contactEmails array

@description('Optional. Action group that also receives the notifications.')
param actionGroupId string = ''

var contactGroups = empty(actionGroupId) ? [] : [actionGroupId]

resource budget 'Microsoft.Consumption/budgets@2023-11-01' = {
  name: name
  properties: {
    category: 'Cost'
    amount: amount
    timeGrain: 'Monthly'
    timePeriod: {
      startDate: startDate
    }
    notifications: {
      actual50: {
        enabled: true
        operator: 'GreaterThanOrEqualTo'
        threshold: 50
        thresholdType: 'Actual'
        contactEmails: contactEmails
        contactGroups: contactGroups
      }
      actual80: {
        enabled: true
        operator: 'GreaterThanOrEqualTo'
        threshold: 80
        thresholdType: 'Actual'
        contactEmails: contactEmails
        contactGroups: contactGroups
      }
      actual95: {
        enabled: true
        operator: 'GreaterThanOrEqualTo'
        threshold: 95
        thresholdType: 'Actual'
        contactEmails: contactEmails
        contactGroups: contactGroups
      }
      forecast150: {
        enabled: true
        operator: 'GreaterThanOrEqualTo'
        threshold: 150
        thresholdType: 'Forecasted'
        contactEmails: contactEmails
        contactGroups: contactGroups
      }
    }
  }
}

@description('Budget resource id.')
output id string = budget.id
