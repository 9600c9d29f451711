/**
 * What `deploy` must change for derived metrics, as a pure function (like deployPlan.ts): each
 * derived view serving must hold with exactly the compiled SQL, and the ones no longer defined
 * stop being served. The namespace's properties record which derived views this deployment serves
 * (`lambdalake.derived.<name>` = version), so a removed definition is found again.
 */

/** The deployment record of a derived view in the namespace's properties. */
export const DERIVED_PREFIX = 'lambdalake.derived.';

export interface DesiredDerived {
  name: string;
  version: string;
  path: string[];
  sql: string;
}

export interface ObservedDerived {
  /** Derived name → the SQL serving holds at its path (null: none). */
  servedSql: ReadonlyMap<string, string | null>;
  /** Derived name → version, from the namespace's properties. */
  recorded: Readonly<Record<string, string>>;
}

export type DerivedAction =
  | { kind: 'register-derived'; name: string; version: string; reason: string }
  | { kind: 'unserve-derived'; name: string; version: string };

/**
 * Registering comes after every metric action of the same deploy (the caller appends these last):
 * a derived view reads its inputs' union views, which must be served first.
 */
export function planDerived(desired: DesiredDerived[], observed: ObservedDerived): DerivedAction[] {
  const actions: DerivedAction[] = [];
  for (const d of desired) {
    const served = observed.servedSql.get(d.name) ?? null;
    if (served === d.sql && observed.recorded[d.name] === d.version) continue;
    const shownVersion = served ? /\bv([0-9a-f]{8}) over\b/.exec(served)?.[1] : undefined;
    const reason = !served
      ? 'serving has no view'
      : served !== d.sql
        ? `serving shows ${shownVersion ? `version ${shownVersion}` : 'other SQL'}`
        : 'not recorded as served';
    actions.push({ kind: 'register-derived', name: d.name, version: d.version, reason });
  }
  const defined = new Set(desired.map((d) => d.name));
  for (const [name, version] of Object.entries(observed.recorded))
    if (!defined.has(name)) actions.push({ kind: 'unserve-derived', name, version });
  return actions;
}

/** One line per action, for `plan` and deploy's progress output. */
export function describeDerivedAction(action: DerivedAction): string {
  return action.kind === 'register-derived'
    ? `register the derived view ${action.name} version ${action.version} (${action.reason})`
    : `stop serving the derived view ${action.name} (version ${action.version}): no longer defined`;
}
