//! Sheets listed by a small key (an authority row, a service index): the inverted lists that
//! let peers, the mosaic and related sheets start from what they need instead of every sheet.

use crate::model::SheetId;

#[derive(Debug, Default, Clone)]
pub struct SheetLists(Vec<Vec<SheetId>>);

impl SheetLists {
    pub fn add(&mut self, key: usize, id: SheetId) {
        if self.0.len() <= key {
            self.0.resize_with(key + 1, Vec::new);
        }
        self.0[key].push(id);
    }

    /// Removes one listing of `id` under `key`; order is not kept (readers sort when they need to).
    pub fn remove(&mut self, key: usize, id: SheetId) {
        if let Some(list) = self.0.get_mut(key)
            && let Some(at) = list.iter().position(|&x| x == id)
        {
            list.swap_remove(at);
        }
    }

    /// Gives back the room that pushes reserved and no list uses.
    pub fn shrink_to_fit(&mut self) {
        self.0.shrink_to_fit();
        self.0.iter_mut().for_each(Vec::shrink_to_fit);
    }

    /// Bytes on the heap.
    pub fn heap_bytes(&self) -> usize {
        size_of_val(self.0.as_slice()) + self.0.iter().map(|l| l.capacity() * size_of::<SheetId>()).sum::<usize>()
    }

    pub fn get(&self, key: usize) -> &[SheetId] {
        self.0.get(key).map_or(&[], Vec::as_slice)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adds_and_removes_under_a_key() {
        let mut lists = SheetLists::default();
        lists.add(3, 10);
        lists.add(3, 11);
        lists.add(0, 12);
        assert_eq!(lists.get(3), [10, 11]);
        assert!(lists.get(7).is_empty());
        lists.remove(3, 10);
        lists.remove(3, 99);
        assert_eq!(lists.get(3), [11]);
        assert_eq!(lists.get(0), [12]);
    }
}
