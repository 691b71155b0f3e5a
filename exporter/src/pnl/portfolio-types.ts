/** Risk tiers, worst first. */
export type RiskTier = 'CRITICAL' | 'HIGH' | 'MEDIUM' | 'LOW';

/** One customer's P&L for a period, as the API, the report and the gauges show it. Money in USD. */
export interface CustomerLine {
  customer: string;
  tier: string;
  revenue: number;
  /** True when revenue came from the tier price map, not from recorded revenue. */
  revenueEstimated: boolean;
  baseCost: number;
  evolutionCost: number;
  totalCost: number;
  pnl: number;
  /** Gross margin in percent; null without revenue. */
  marginPct: number | null;
  calls: number;
  runs: number;
  failureRate: number;
  riskScore: number;
  riskTier: RiskTier;
  flags: string[];
  unpricedCalls: number;
}

/** The portfolio P&L for a period. */
export interface PortfolioSummary {
  period: { from: string; to: string };
  totals: {
    revenue: number;
    baseCost: number;
    evolutionCost: number;
    totalCost: number;
    pnl: number;
    marginPct: number | null;
    calls: number;
    runs: number;
    customers: number;
    unpricedCalls: number;
  };
  customersByRiskTier: Record<RiskTier, number>;
  /** All customers, highest cost first (the API cuts to `top`). */
  customers: CustomerLine[];
  /** Customers losing money, biggest loss first, with what to do. */
  unprofitable: Array<{ customer: string; loss: number; action: string }>;
  /** Features, highest cost per successful outcome first (features without outcomes last). */
  features: FeatureLine[];
}

/** One feature's economics for a period. */
export interface FeatureLine {
  feature: string;
  cost: number;
  calls: number;
  customers: number;
  outcomes: number;
  /** null when the feature recorded no outcome. */
  costPerOutcome: number | null;
}
