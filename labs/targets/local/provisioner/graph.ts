import { referencedLogicalIds } from '../intrinsics';

export interface TemplateResource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
  readonly DependsOn?: string | readonly string[];
  readonly Metadata?: Record<string, unknown>;
  readonly Condition?: string;
}

/**
 * The resources in creation order, as waves: every resource comes after everything it refers to
 * (Ref, Fn::GetAtt, Fn::Sub) or names in DependsOn; the resources of one wave do not depend on each
 * other. Within a wave, template order is kept.
 */
export function creationWaves(resources: Readonly<Record<string, TemplateResource>>): string[][] {
  const ids = Object.keys(resources);
  const dependencies = new Map<string, Set<string>>();
  for (const id of ids) {
    const resource = resources[id];
    const needs = referencedLogicalIds(resource.Properties ?? {});
    const dependsOn = resource.DependsOn;
    for (const dependency of typeof dependsOn === 'string' ? [dependsOn] : (dependsOn ?? [])) {
      needs.add(dependency);
    }
    // Refs to parameters and conditions are not ordering edges; a Ref to nothing is reported on resolution.
    dependencies.set(id, new Set([...needs].filter((need) => need in resources && need !== id)));
  }
  const waves: string[][] = [];
  const placed = new Set<string>();
  while (placed.size < ids.length) {
    const wave = ids.filter((id) => !placed.has(id) && [...dependencies.get(id)!].every((need) => placed.has(need)));
    if (wave.length === 0) {
      const stuck = ids.filter((id) => !placed.has(id));
      throw new Error(`circular dependency between resources: ${stuck.join(', ')}`);
    }
    wave.forEach((id) => placed.add(id));
    waves.push(wave);
  }
  return waves;
}
