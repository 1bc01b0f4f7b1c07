// @ts-check
import { test } from "node:test";
import assert from "node:assert/strict";
import { askable, groupURL, withGroup } from "./groupdetails.js";

test("a group's URL names its picture and nothing else", () => {
  assert.equal(groupURL("grp:ns:1:dirs", "?view=owner&sel=ns:4&expand=grp:ns:1:net&q=type:user"), "/api/v1/ns/grp%3Ans%3A1%3Adirs?view=owner&q=type%3Auser&expand=grp%3Ans%3A1%3Anet");
  assert.equal(groupURL("grp:pod:ns:1:default/api:ctr", ""), "/api/v1/ns/grp%3Apod%3Ans%3A1%3Adefault%2Fapi%3Actr");
});

test("the panel asks about namespaces and groups", () => {
  assert.equal(askable({ kind: "group" }), true);
  assert.equal(askable({ kind: "file", ns: 3 }), true);
  assert.equal(askable({ kind: "container" }), false);
});

test("a group's details say what it holds", () => {
  const base = { title: "+60 user", rows: [{ label: "Type", value: "user" }, { label: "Folded namespaces", value: "60" }], procs: [], procTotal: 0, containers: [], heldBy: [] };
  const d = withGroup(base, {
    group: true, folds: "dir", type: "user", count: 1950, processes: 2001,
    top: [{ ref: "ns:5", ns: 5, inode: 4026532000, type: "user", name: "sleep", processes: 3 }, { ref: "abc", name: "web\u202e", processes: 1 }],
  });
  assert.deepEqual(d.rows.map((r) => [r.label, r.value]), [
    ["Type", "user"],
    ["Members", "1,950 user namespaces"],
    ["Processes in them", "2,001"],
    ["Most processes", "user 4026532000 · sleep: 3 processes"],
    ["", "web⟨U+202E⟩: 1 process"],
  ]);
  assert.equal(d.procTotal, 2001);
});
