import { PNL_CUSTOM_PREFIX, PNL_KEYS } from './attribute-keys.js';
import { hashPersonalValue } from './hash-personal-value.js';
import { validateAttributionKey, validateCustomKey, validateValue } from './validate-attribution.js';

/**
 * Who and what an LLM call is for: a frozen map from `pnl.*` key to value, ready to be
 * put in baggage with {@link withAttribution}. Build it with {@link attribution}.
 */
export type Attribution = Readonly<Record<string, string>>;

/**
 * Fluent builder for {@link Attribution}, mirroring the seeds' metadata builder. Each setter
 * validates at once, so a bad value fails on the line that set it.
 *
 * @example
 * const attr = attribution().customer('cust_acme').tier('pro').feature('chat').user(email).build();
 */
export class AttributionBuilder {
  private readonly entries: Record<string, string> = {};

  /** Starts from an existing attribution (values are re-validated). */
  constructor(base?: Attribution) {
    if (base) for (const [key, value] of Object.entries(base)) this.entries[validateAttributionKey(key)] = validateValue(key, value);
  }

  /** Paying customer (tenant) the cost belongs to: `pnl.customer.id`. */
  customer(customerId: string): this {
    return this.set(PNL_KEYS.customerId, customerId);
  }
  /** Organization above the customer (parent account, department): `pnl.organization.id`. */
  organization(organizationId: string): this {
    return this.set(PNL_KEYS.organizationId, organizationId);
  }
  /** Product line: `pnl.product.id`. */
  product(productId: string): this {
    return this.set(PNL_KEYS.productId, productId);
  }
  /** Feature that made the call: `pnl.feature.id`. */
  feature(featureId: string): this {
    return this.set(PNL_KEYS.featureId, featureId);
  }
  /** Subscription tier (free, pro, enterprise): `pnl.customer.tier`. */
  tier(tier: string): this {
    return this.set(PNL_KEYS.customerTier, tier);
  }
  /** Deployment environment (production, staging): `pnl.environment`. */
  environment(environment: string): this {
    return this.set(PNL_KEYS.environment, environment);
  }
  /** Kind of task (qa, summarize, classify): `pnl.task.type`. */
  taskType(taskType: string): this {
    return this.set(PNL_KEYS.taskType, taskType);
  }
  /** Conversation or session id: `pnl.session.id`. */
  session(sessionId: string): this {
    return this.set(PNL_KEYS.sessionId, sessionId);
  }
  /** Incoming request id, to join with application logs: `pnl.request.id`. */
  request(requestId: string): this {
    return this.set(PNL_KEYS.requestId, requestId);
  }
  /**
   * End user (id or e-mail): stored as a salted hash in `pnl.user.id`, never raw.
   * @throws AttributionError `missing_salt` when no hash salt is configured.
   */
  user(userIdOrEmail: string): this {
    const raw = validateValue(PNL_KEYS.userId, userIdOrEmail);
    this.entries[PNL_KEYS.userId] = hashPersonalValue(raw);
    return this;
  }
  /** Any other dimension, as `pnl.custom.<key>`; key is lower-case words, e.g. `cost_center`. */
  custom(key: string, value: string | number | boolean): this {
    const fullKey = PNL_CUSTOM_PREFIX + validateCustomKey(key);
    return this.set(fullKey, typeof value === 'string' ? value : String(value));
  }
  /**
   * A personal custom value (IP address, phone): stored hashed as `pnl.custom.<key>`.
   * @throws AttributionError `missing_salt` when no hash salt is configured.
   */
  personal(key: string, value: string): this {
    const fullKey = PNL_CUSTOM_PREFIX + validateCustomKey(key);
    this.entries[fullKey] = hashPersonalValue(validateValue(fullKey, value));
    return this;
  }

  /** Returns the frozen attribution; the builder can keep being used. */
  build(): Attribution {
    return Object.freeze({ ...this.entries });
  }

  private set(key: string, value: string): this {
    this.entries[key] = validateValue(key, value);
    return this;
  }
}

/** Starts an {@link AttributionBuilder}, optionally from an existing attribution. */
export function attribution(base?: Attribution): AttributionBuilder {
  return new AttributionBuilder(base);
}
