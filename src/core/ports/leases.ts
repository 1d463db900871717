/** Coordination between replicas: named leases. */

export interface LeaseStore {
  /** Takes or renews the named lease for `owner` for ttlMs; false while another owner holds it. */
  tryLease(name: string, owner: string, ttlMs: number, now: Date): Promise<boolean>;
  releaseLease(name: string, owner: string): Promise<void>;
}
