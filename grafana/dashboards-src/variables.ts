import { CLICKHOUSE } from './datasources.js';
import type { QueryVariable } from './model.js';

/**
 * A dashboard variable whose options come from ClickHouse. `filter`: several values may be
 * chosen, and "All" (the default) stands for every option: the custom all value is left blank,
 * so Grafana formats all the options themselves (quoted and comma-separated in SQL, a regex
 * alternation in PromQL) and no sentinel value needs handling in the queries.
 */
export function clickHouseVariable(spec: { name: string; label: string; description: string; sql: string; filter: boolean }): QueryVariable {
  return {
    type: 'query',
    name: spec.name,
    label: spec.label,
    description: spec.description,
    datasource: CLICKHOUSE,
    query: { editorType: 'sql', rawSql: spec.sql },
    definition: spec.sql,
    refresh: 2,
    multi: spec.filter,
    includeAll: spec.filter,
    ...(spec.filter ? { allValue: '' as const } : {}),
    sort: 1,
    current: spec.filter ? { text: ['All'], value: ['$__all'] } : {},
    options: [],
  };
}

/** `column IN (<the chosen values>)` for a filter variable, as Grafana expands it in SQL. */
export function inVariable(column: string, variable: string): string {
  return `${column} IN (\${${variable}:singlequote})`;
}
