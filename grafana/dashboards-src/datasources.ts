import type { DataSourceRef } from './model.js';

/** Fixed uids, provisioned by grafana/provisioning/datasources/datasources.yaml. */
export const PROMETHEUS: DataSourceRef = { type: 'prometheus', uid: 'pnl-prometheus' };
export const CLICKHOUSE: DataSourceRef = { type: 'grafana-clickhouse-datasource', uid: 'pnl-clickhouse' };
