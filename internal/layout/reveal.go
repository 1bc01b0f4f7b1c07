package layout

// Hiding returns the IDs of the folded groups that hide the node with ID
// id, outermost first, so that a link to a namespace inside a folded group
// ("/?sel=ns:…") can open what hides it instead of showing nothing.
//
// full is the layout of the snapshot with opt but with folding off
// (FoldThreshold < 0): only it knows where a folded node sits. Group IDs
// depend only on the parent's ID and what is folded (GroupID,
// ContainersGroupID, PodsGroupID), and a run of siblings folds when it has
// more than the threshold members, so the groups follow from the node's
// ancestors and their sibling counts in full without another layout. Groups
// opt.Expanded already opens are left out. It returns nil when full has no
// such node (the filter hides it, or it is gone) or nothing folds it.
func Hiding(full *Result, id string, opt Options) []string {
	fold := opt.FoldThreshold
	if fold == 0 {
		fold = DefaultFoldThreshold
	}
	if fold < 0 || full == nil {
		return nil
	}
	at := make(map[string]int, len(full.Nodes))
	for i := range full.Nodes {
		at[full.Nodes[i].ID] = i
	}
	i, ok := at[id]
	if !ok {
		return nil
	}
	// The groups the node and each of its ancestors would fold into,
	// innermost first. Parents come before children in full, so the walk
	// ends; the bound only guards against a malformed result.
	var chain []string
	for steps := 0; steps < len(full.Nodes); steps++ {
		n := &full.Nodes[i]
		p, ok := at[n.Parent]
		if n.Parent == "" || !ok {
			break
		}
		if g := n.FoldsInto(); g != "" && !opt.Expanded[g] && !full.pinned[n.ID] {
			chain = append(chain, g)
		}
		i = p
	}
	if len(chain) == 0 {
		return nil
	}
	// How many siblings each of those groups would fold.
	size := make(map[string]int, len(chain))
	for _, g := range chain {
		size[g] = 0
	}
	for k := range full.Nodes {
		g := full.Nodes[k].FoldsInto()
		if c, ok := size[g]; ok {
			size[g] = c + 1
		}
	}
	var out []string
	for k := len(chain) - 1; k >= 0; k-- {
		if size[chain[k]] > fold {
			out = append(out, chain[k])
		}
	}
	return out
}
