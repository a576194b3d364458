/**
 * Energy budgets: the budget file, the models it covers, the verdict with
 * correlated uncertainties, and the JSON report of `irene check`.
 */
export * from './budgetFields.js';
export * from './budgetFile.js';
export * from './budgetGlobs.js';
export * from './budgetLocator.js';
export * from './budgetModels.js';
export * from './budgetParts.js';
export * from './budgetReport.js';
export * from './budgetVerdict.js';
export * from './deltaUncertainty.js';
