//! Validation of a large invalid file in windows of its list items.
//!
//! jsonschema collects every error of a document before the first one can
//! be read, so a generated file of two million wrong list items held two
//! million errors (gigabytes) at once. A large file that is not valid is
//! therefore validated again and again, each time with its lists showing
//! only the items of one window: items are numbered in document order
//! (pre-order, counting list items only: mappings are bounded by the schema,
//! which allows no free-form keys) and a window is a range of those numbers.
//! A list shows the items whose subtree meets the window, so a nested item
//! is reached through its ancestors; an error is kept by the window that
//! holds the start of the innermost item it is in, so each is kept once.

use super::messages::Seg;
use crate::load::node::{Entry, Node, Value};
use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::ops::Range;

/// List items per window: the errors of one window stay in a few MB.
pub const WINDOW_ITEMS: u32 = 8_192;

/// Where each list's items start in the document's numbering.
pub struct Plan {
    /// By the list's node address: where its items' numbers begin in
    /// `starts`.
    lists: HashMap<usize, usize>,
    /// For each list, the number of each item and then the first number
    /// after the list (`len + 1` values).
    starts: Vec<u32>,
    /// List items in the document.
    pub items: u32,
}

/// A collection being numbered: the rest of its children.
enum Open<'a> {
    Map(std::slice::Iter<'a, Entry>),
    Seq {
        items: &'a [Node],
        slot: usize,
        next: usize,
    },
}

impl Plan {
    /// Numbers the list items of `root`, iteratively: depth is bounded by
    /// configuration, not by the stack.
    pub fn new(root: &Node) -> Plan {
        let mut plan = Plan {
            lists: HashMap::new(),
            starts: Vec::new(),
            items: 0,
        };
        let mut open: Vec<Open> = Vec::new();
        plan.enter(root, &mut open);
        while let Some(top) = open.last_mut() {
            let child = match top {
                Open::Map(entries) => entries.next().map(|e| &e.value),
                Open::Seq { items, slot, next } => {
                    if let Some(item) = items.get(*next) {
                        plan.starts[*slot + *next] = plan.items;
                        plan.items = plan.items.saturating_add(1);
                        *next += 1;
                        Some(item)
                    } else {
                        plan.starts[*slot + items.len()] = plan.items;
                        None
                    }
                }
            };
            match child {
                Some(child) => plan.enter(child, &mut open),
                None => {
                    open.pop();
                }
            }
        }
        plan
    }

    /// Whether `root` holds more than `limit` list items, counted without
    /// numbering them (most files are far below, and stop early above).
    pub fn has_more_items_than(root: &Node, limit: u32) -> bool {
        let mut count = 0u32;
        let mut stack: Vec<&Node> = vec![root];
        while let Some(node) = stack.pop() {
            match &node.value {
                Value::Map(entries) => stack.extend(entries.iter().map(|e| &e.value)),
                Value::Seq(items) => {
                    count = count.saturating_add(u32::try_from(items.len()).unwrap_or(u32::MAX));
                    if count > limit {
                        return true;
                    }
                    stack.extend(items);
                }
                _ => {}
            }
        }
        false
    }

    fn enter<'a>(&mut self, node: &'a Node, open: &mut Vec<Open<'a>>) {
        match &node.value {
            Value::Map(entries) => open.push(Open::Map(entries.iter())),
            Value::Seq(items) if !items.is_empty() => {
                let slot = self.starts.len();
                self.lists.insert(std::ptr::from_ref(node) as usize, slot);
                self.starts.resize(slot + items.len() + 1, 0);
                open.push(Open::Seq {
                    items,
                    slot,
                    next: 0,
                });
            }
            _ => {}
        }
    }

    /// The numbers of a list's items, then the first number after it.
    fn starts(&self, list: &Node) -> Option<&[u32]> {
        let slot = *self.lists.get(&(std::ptr::from_ref(list) as usize))?;
        Some(&self.starts[slot..=slot + list.as_seq().len()])
    }

    /// The windows that cover the document.
    pub fn windows(&self, size: u32) -> impl Iterator<Item = Range<u32>> + use<> {
        let items = self.items;
        (0..items.div_ceil(size)).map(move |w| {
            let lo = w * size;
            lo..lo.saturating_add(size).min(items)
        })
    }
}

/// The window being validated, and the plan it is read through.
pub struct Window {
    plan: Plan,
    range: Range<u32>,
}

impl Window {
    /// The items of `list` that meet the window: the first is the one whose
    /// subtree reaches past its start, the last the one that starts before
    /// its end. `None` for a list the plan does not know (an empty one).
    fn shown(&self, list: &Node) -> Option<Range<usize>> {
        self.plan.starts(list).map(|starts| self.shown_of(starts))
    }

    /// [`Window::shown`] for a list whose numbers are `starts`.
    fn shown_of(&self, starts: &[u32]) -> Range<usize> {
        let len = starts.len() - 1;
        let first = starts[1..].partition_point(|&end| end <= self.range.start);
        let last = starts[..len].partition_point(|&start| start < self.range.end);
        first..last.max(first)
    }

    /// Follows a path found in the window back to the document, and says
    /// whether the window keeps what is found there: the innermost list item
    /// on the path must start in the window (the document's top level is
    /// kept by the first window).
    pub fn locate(&self, root: &Node, path: &mut [Seg]) -> bool {
        let mut node = root;
        let mut innermost = None;
        for segment in path.iter_mut() {
            node = match segment {
                Seg::Key(key) => match node.get(key) {
                    Some(next) => next,
                    None => return false,
                },
                Seg::Index(index) => {
                    let Some(starts) = self.plan.starts(node) else {
                        return false;
                    };
                    *index += self.shown_of(starts).start;
                    innermost = Some(starts[*index]);
                    match node.as_seq().get(*index) {
                        Some(next) => next,
                        None => return false,
                    }
                }
            };
        }
        match innermost {
            Some(number) => self.range.contains(&number),
            None => self.range.start == 0,
        }
    }
}

thread_local! {
    /// Whether a window is being validated on this thread (read first, so
    /// that the usual validation pays one flag read per list).
    static ACTIVE: Cell<bool> = const { Cell::new(false) };
    static WINDOW: RefCell<Option<Window>> = const { RefCell::new(None) };
}

/// The items of `list` that the validation on this thread may see.
pub fn visible<'a>(list: &'a Node, items: &'a [Node]) -> &'a [Node] {
    if !ACTIVE.get() {
        return items;
    }
    WINDOW.with_borrow(|window| match window.as_ref().and_then(|w| w.shown(list)) {
        Some(shown) => &items[shown],
        None => items,
    })
}

/// Runs `f` with the lists of this thread's validation cut to `range`,
/// and gives the plan back.
pub fn with_window(plan: Plan, range: Range<u32>, f: impl FnOnce(&Window)) -> Plan {
    WINDOW.set(Some(Window { plan, range }));
    ACTIVE.set(true);
    struct Reset;
    impl Drop for Reset {
        fn drop(&mut self) {
            ACTIVE.set(false);
        }
    }
    let reset = Reset;
    WINDOW.with_borrow(|w| f(w.as_ref().expect("set above")));
    drop(reset);
    WINDOW.take().expect("set above").plan
}
