//! Where the index's memory goes, part by part: what a reader of the start-up log or of a
//! benchmark needs to tell which structure to make smaller. Heap sizes are counted from
//! lengths and capacities (what the allocator adds on top is not), so the sum is a floor of
//! what the process holds for the index.

use std::mem::size_of;

use super::SpatialIndex;

/// Bytes of each part of the index.
#[derive(Debug, Clone, Default)]
pub struct MemoryUse {
    /// The map of sheets: ids and fixed-size entries.
    pub sheets: usize,
    /// Titles, places and the longer service lists of the sheets, each on the heap.
    pub sheet_heap: usize,
    pub authorities: usize,
    pub zorder: usize,
    pub text: usize,
    /// Sheets by authority and by service.
    pub lists: usize,
}

impl MemoryUse {
    pub fn total(&self) -> usize {
        self.sheets + self.sheet_heap + self.authorities + self.zorder + self.text + self.lists
    }
}

impl SpatialIndex {
    /// Bytes of each part (walks every sheet: for logs and benchmarks, not for each request).
    pub fn memory(&self) -> MemoryUse {
        let sheet_entry = size_of::<super::SheetId>() + size_of::<super::IndexedSheet>();
        let sheet_heap = self.sheets.values().map(|s| s.title.len() + s.services.heap_bytes() + size_of_val(&*s.places)).sum();
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
            zorder: self.zorder.heap_bytes(),
            text: self.text.heap_bytes(),
            lists: self.by_authority.heap_bytes() + self.by_service.heap_bytes(),
        }
    }
}
