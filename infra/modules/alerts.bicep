metadata description = 'Action group and the alerts for the seed\'s rollback triggers (failure rate > 5 %, response time > 3 s), dependency failures and Cosmos DB throttling.'

@description('Required. Name prefix of the alerts.')
param namePrefix string

@description('Required. Azure region for the log alert.')
param location string

@description('Optional. Tags for every resource.')
param tags object = {}

@description('Required. Addresses that receive alerts.')
param alertEmails array

@description('Required. Application Insights component id.')
param appInsightsId string

@description('Required. Cosmos DB account id.')
param cosmosAccountId string

@description('Optional. Function failure rate in percent that fires the rollback alert (seed: 5).')
param failureRatePercent int = 5

@description('Optional. Minimum requests in the window before the failure rate counts (avoids alerts on 1 of 2).')
param minimumRequests int = 20

@description('Optional. Average server response time in milliseconds that fires the rollback alert (seed: 3 s).')
param responseTimeMs int = 3000

@description('Optional. Failed dependency calls in 5 minutes that fire an alert.')
param dependencyFailures int = 10

@description('Optional. Throttled (429) Cosmos DB requests in 5 minutes that fire an alert.')
param cosmosThrottles int = 10

resource actionGroup 'Microsoft.Insights/actionGroups@2023-01-01' = {
  name: 'ag-${namePrefix}'
  location: 'global'
  tags: tags
  properties: {
    groupShortName: 'reddytalk'
    enabled: true
    emailReceivers: [
      for (email, i) in alertEmails: {
        name: 'email-${i}'
        emailAddress: email
        useCommonAlertSchema: true
      }
    ]
  }
}

// Rollback trigger 1: more than failureRatePercent % of requests failed in 15 minutes.
resource failureRate 'Microsoft.Insights/scheduledQueryRules@2023-03-15-preview' = {
  name: 'alert-${namePrefix}-failure-rate'
  location: location
  tags: tags
  properties: {
    displayName: 'ReddyTalk function failure rate above ${failureRatePercent} % (rollback trigger)'
    description: 'Seed rollback trigger: function failure rate > 5 %. See docs/operations.md, Roll back.'
    severity: 1
    enabled: true
    evaluationFrequency: 'PT5M'
    windowSize: 'PT15M'
    scopes: [
      appInsightsId
    ]
    criteria: {
      allOf: [
        {
          query: 'requests | summarize total = count(), failed = countif(success == false) | where total >= ${minimumRequests} | extend failureRate = 100.0 * failed / total | where failureRate > ${failureRatePercent}'
          timeAggregation: 'Count'
          operator: 'GreaterThan'
          threshold: 0
          failingPeriods: {
            numberOfEvaluationPeriods: 1
            minFailingPeriodsToAlert: 1
          }
        }
      ]
    }
    autoMitigate: true
    actions: {
      actionGroups: [
        actionGroup.id
      ]
    }
  }
}

// Rollback trigger 2: average server response time above responseTimeMs.
resource responseTime 'Microsoft.Insights/metricAlerts@2018-03-01' = {
  name: 'alert-${namePrefix}-response-time'
  location: 'global'
  tags: tags
  properties: {
    description: 'Seed rollback trigger: response time > 3 s. See docs/operations.md, Roll back.'
    severity: 1
    enabled: true
    scopes: [
      appInsightsId
    ]
    evaluationFrequency: 'PT1M'
    windowSize: 'PT5M'
    criteria: {
      'odata.type': 'Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria'
      allOf: [
        {
          criterionType: 'StaticThresholdCriterion'
          name: 'ServerResponseTime'
          metricNamespace: 'microsoft.insights/components'
          metricName: 'requests/duration'
          operator: 'GreaterThan'
          threshold: responseTimeMs
          timeAggregation: 'Average'
        }
      ]
    }
    autoMitigate: true
    actions: [
      {
        actionGroupId: actionGroup.id
      }
    ]
  }
}

// Seed: dependency failure alerts (Cosmos DB, Storage, OpenAI, Speech, ElevenLabs calls).
resource dependencyFailed 'Microsoft.Insights/metricAlerts@2018-03-01' = {
  name: 'alert-${namePrefix}-dependency-failures'
  location: 'global'
  tags: tags
  properties: {
    description: 'Failed dependency calls (stores, AI services). See docs/operations.md.'
    severity: 2
    enabled: true
    scopes: [
      appInsightsId
    ]
    evaluationFrequency: 'PT1M'
    windowSize: 'PT5M'
    criteria: {
      'odata.type': 'Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria'
      allOf: [
        {
          criterionType: 'StaticThresholdCriterion'
          name: 'FailedDependencies'
          metricNamespace: 'microsoft.insights/components'
          metricName: 'dependencies/failed'
          operator: 'GreaterThan'
          threshold: dependencyFailures
          timeAggregation: 'Count'
        }
      ]
    }
    autoMitigate: true
    actions: [
      {
        actionGroupId: actionGroup.id
      }
    ]
  }
}

// Seed risk table: Cosmos DB throttling. Serverless accounts answer 429 when a burst exceeds the partition's limit.
resource cosmosThrottled 'Microsoft.Insights/metricAlerts@2018-03-01' = {
  name: 'alert-${namePrefix}-cosmos-throttling'
  location: 'global'
  tags: tags
  properties: {
    description: 'Cosmos DB requests throttled (HTTP 429). See docs/operations.md.'
    severity: 2
    enabled: true
    scopes: [
      cosmosAccountId
    ]
    evaluationFrequency: 'PT1M'
    windowSize: 'PT5M'
    criteria: {
      'odata.type': 'Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria'
      allOf: [
        {
          criterionType: 'StaticThresholdCriterion'
          name: 'Throttled'
          metricNamespace: 'Microsoft.DocumentDB/databaseAccounts'
          metricName: 'TotalRequests'
          dimensions: [
            {
              name: 'StatusCode'
              operator: 'Include'
              values: [
                '429'
              ]
            }
          ]
          operator: 'GreaterThan'
          threshold: cosmosThrottles
          timeAggregation: 'Count'
        }
      ]
    }
    autoMitigate: true
    actions: [
      {
        actionGroupId: actionGroup.id
      }
    ]
  }
}

@description('Action group id (budgets notify it too).')
output actionGroupId string = actionGroup.id
