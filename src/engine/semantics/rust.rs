//! Semantics for this language (minimal table; to be completed).

use super::{Captures, FileFacts, Semantics};

/// This language's semantics table.
pub static SEMANTICS: Semantics = Semantics {
    function_kinds: &[],
    loop_kinds: &[],
    class_kinds: &[],
    computation_kinds: &[],
    suspend_kinds: &[],
    call_kinds: &[],
    separator: ".",
    facts_query: "",
    collect,
    is_async: |_, _| false,
    callee: |_| None,
    path: |_, _| None,
    implicit: |_| None,
    lock_region: |_, _| false,
    lock_call: |_, _| None,
    shared_state: None,
    thread_bases: &[],
    thread_methods: &[],
    function_body: |_| None,
    pure_calls: &[],
    pure_methods: &[],
    self_names: &[],
};

fn collect<'t>(_facts: &mut FileFacts<'t>, _caps: &Captures<'_, 't>, _src: &[u8]) {}
