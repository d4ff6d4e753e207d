import { Kind, type FragmentDefinitionNode, type GraphQLResolveInfo, type SelectionSetNode } from 'graphql';

/**
 * Whether the current field's selection asks for `name` directly (through inline fragments and fragment spreads
 * too). Resolvers use it to start a load early, in the same tick as their own, so both share one legacy batch call.
 */
export function selectsField(info: GraphQLResolveInfo, name: string): boolean {
  return info.fieldNodes.some((node) => node.selectionSet !== undefined && inSelection(node.selectionSet, name, info.fragments, new Set()));
}

function inSelection(
  set: SelectionSetNode,
  name: string,
  fragments: Record<string, FragmentDefinitionNode>,
  seen: Set<string>,
): boolean {
  for (const sel of set.selections) {
    if (sel.kind === Kind.FIELD && sel.name.value === name) return true;
    if (sel.kind === Kind.INLINE_FRAGMENT && inSelection(sel.selectionSet, name, fragments, seen)) return true;
    if (sel.kind === Kind.FRAGMENT_SPREAD && !seen.has(sel.name.value)) {
      seen.add(sel.name.value);
      const fragment = fragments[sel.name.value];
      if (fragment && inSelection(fragment.selectionSet, name, fragments, seen)) return true;
    }
  }
  return false;
}

/**
 * Whether the current field's selection asks for the field at `path` (["accounts", "transactions"]: `accounts {
 * transactions }`), through fragments as selectsField does. A resolver uses it to choose a read that also answers a
 * field further down (an account list read with its transactions).
 */
export function selectsPath(info: GraphQLResolveInfo, path: readonly string[]): boolean {
  let sets: SelectionSetNode[] = info.fieldNodes.flatMap((node) => (node.selectionSet ? [node.selectionSet] : []));
  for (const name of path) {
    sets = sets.flatMap((set) => fieldsNamed(set, name, info.fragments, new Set()));
    if (sets.length === 0) return false;
  }
  return true;
}

/** The selection sets of the fields called `name` in `set` (an empty one for a leaf, so the path still matches). */
function fieldsNamed(set: SelectionSetNode, name: string, fragments: Record<string, FragmentDefinitionNode>, seen: Set<string>): SelectionSetNode[] {
  const out: SelectionSetNode[] = [];
  for (const sel of set.selections) {
    if (sel.kind === Kind.FIELD && sel.name.value === name) out.push(sel.selectionSet ?? { kind: Kind.SELECTION_SET, selections: [] });
    if (sel.kind === Kind.INLINE_FRAGMENT) out.push(...fieldsNamed(sel.selectionSet, name, fragments, seen));
    if (sel.kind === Kind.FRAGMENT_SPREAD && !seen.has(sel.name.value)) {
      seen.add(sel.name.value);
      const fragment = fragments[sel.name.value];
      if (fragment) out.push(...fieldsNamed(fragment.selectionSet, name, fragments, seen));
    }
  }
  return out;
}
