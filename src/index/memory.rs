//! Where the index's memory goes, part by part: what a reader of the start-up log or of a
//! benchmark needs to tell which structure to make smaller. Heap sizes are counted from
//! lengths and capacities (what the allocator adds on top is not), so the sum is a floor of
//! what the process holds for the index.

use std::mem::size_of;

use rstar::{ParentNode, RTreeNode, RTreeObject};

use super::SpatialIndex;

/// Bytes of each part of the index.
#[derive(Debug, Clone, Default)]
pub struct MemoryUse {
    /// The map of sheets: ids and fixed-size entries.
    pub sheets: usize,
    /// Titles, service lists and places of the sheets, each on the heap.
    pub sheet_heap: usize,
    pub authorities: usize,
    /// The R-tree over unit vectors (nearby).
    pub sphere_tree: usize,
    pub zorder: usize,
    pub text: usize,
    /// Sheets by authority and by service.
    pub lists: usize,
}

impl MemoryUse {
    pub fn total(&self) -> usize {
        self.sheets + self.sheet_heap + self.authorities + self.sphere_tree + self.zorder + self.text + self.lists
    }
}

impl SpatialIndex {
    /// Bytes of each part (walks every sheet: for logs and benchmarks, not for each request).
    pub fn memory(&self) -> MemoryUse {
        let sheet_entry = size_of::<super::SheetId>() + size_of::<super::IndexedSheet>();
        let sheet_heap = self.sheets.values().map(|s| s.title.len() + size_of_val(&*s.services) + size_of_val(&*s.places)).sum();
        let authorities = self
            .authorities
            .iter()
            .map(|a| size_of_val(a) + a.code.len() + a.name.len() + a.mentions.len() + size_of_val(&*a.awards))
            .sum::<usize>()
            + self.authority_rows.keys().map(|k| k.len() + 16).sum::<usize>();
        MemoryUse {
            sheets: self.sheets.len() * sheet_entry,
            sheet_heap,
            authorities,
            sphere_tree: tree_bytes(self.sphere.root()),
            zorder: self.zorder.len() * size_of::<super::zorder::ZPoint>(),
            text: self.text.heap_bytes(),
            lists: self.by_authority.heap_bytes() + self.by_service.heap_bytes(),
        }
    }
}

/// The nodes under `node`, counted at the size rstar gives every child slot (a leaf takes
/// the room of an inner node).
fn tree_bytes<T: RTreeObject>(node: &ParentNode<T>) -> usize {
    let children = node.children();
    size_of_val(children)
        + children
            .iter()
            .map(|c| match c {
                RTreeNode::Parent(p) => tree_bytes(p),
                RTreeNode::Leaf(_) => 0,
            })
            .sum::<usize>()
}
