// Internal to the filters: the filter signature, shared helpers, and the sequence
// filters (filters_seq.cpp) that the registry in filters.cpp lists.
#pragma once

#include <string>

#include "engine/text/jinja/interpreter.h"

namespace vllmctl::jinja::filters {

using FilterFn = Value (*)(Interpreter&, const Value&, CallArgs&);

// jinja2's make_attrgetter: "a.b.0" looked up item-first at each step.
Value lookup_path(Interpreter& in, Value v, const std::string& path);
// A sort key: case-folded strings unless case_sensitive.
Value sort_key(const Value& v, bool case_sensitive);

Value f_join(Interpreter& in, const Value& v, CallArgs& a);
Value f_items(Interpreter& in, const Value& v, CallArgs& a);
Value f_first(Interpreter& in, const Value& v, CallArgs& a);
Value f_last(Interpreter& in, const Value& v, CallArgs& a);
Value f_list(Interpreter& in, const Value& v, CallArgs& a);
Value f_map(Interpreter& in, const Value& v, CallArgs& a);
Value f_select(Interpreter& in, const Value& v, CallArgs& a);
Value f_reject(Interpreter& in, const Value& v, CallArgs& a);
Value f_selectattr(Interpreter& in, const Value& v, CallArgs& a);
Value f_rejectattr(Interpreter& in, const Value& v, CallArgs& a);
Value f_unique(Interpreter& in, const Value& v, CallArgs& a);
Value f_sort(Interpreter& in, const Value& v, CallArgs& a);
Value f_dictsort(Interpreter& in, const Value& v, CallArgs& a);
Value f_reverse(Interpreter& in, const Value& v, CallArgs& a);
Value f_sum(Interpreter& in, const Value& v, CallArgs& a);
Value f_max(Interpreter& in, const Value& v, CallArgs& a);
Value f_min(Interpreter& in, const Value& v, CallArgs& a);
Value f_attr(Interpreter& in, const Value& v, CallArgs& a);
Value f_batch(Interpreter& in, const Value& v, CallArgs& a);

}  // namespace vllmctl::jinja::filters
