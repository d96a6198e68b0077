/**
 * The projector handler reads its environment at module load, as on a cold start: import this module
 * before the handler.
 */
Object.assign(process.env, {
  PROJECTOR: 'category-summary',
  VIEW_TABLE_NAME: 'CategorySummaryTable',
});
