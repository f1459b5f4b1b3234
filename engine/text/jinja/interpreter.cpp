// Statement execution: output, if, for (with the loop object), set, macros, call and
// filter blocks, break/continue.
#include "engine/text/jinja/interpreter.h"

#include "engine/text/jinja/error.h"
#include "engine/text/jinja/py_format.h"

namespace vllmctl::jinja {

const Value* Scope::lookup(const std::string& name) const {
  for (const Scope* s = this; s; s = s->parent_.get()) {
    auto it = s->vars_.find(name);
    if (it != s->vars_.end()) return &it->second;
  }
  return nullptr;
}

void Interpreter::step() {
  if (++steps_ > options_.max_steps) throw Failure("too many loop iterations and macro calls");
}

Interpreter::Flow Interpreter::exec(const Body& body, const ScopePtr& scope, std::string& out) {
  for (const auto& stmt : body) {
    Flow flow = exec_stmt(*stmt, scope, out);
    if (flow != Flow::Normal) return flow;
  }
  return Flow::Normal;
}

Interpreter::Flow Interpreter::exec_stmt(const Stmt& s, const ScopePtr& scope, std::string& out) {
  try {
    switch (s.kind) {
      case StmtKind::Text:
        out += s.text;
        check_output(out);
        return Flow::Normal;
      case StmtKind::Output:
        out += to_str(eval(*s.expr, scope));
        check_output(out);
        return Flow::Normal;
      case StmtKind::If:
        for (const auto& [cond, body] : s.branches) {
          if (truthy(eval(*cond, scope))) return exec(body, scope, out);
        }
        return exec(s.else_body, scope, out);
      case StmtKind::For:
        return exec_for(s, scope, out);
      case StmtKind::Set:
        exec_set(s, scope);
        return Flow::Normal;
      case StmtKind::SetBlock: {
        std::string buf;
        exec(s.body, scope, buf);
        Value v(std::move(buf));
        if (s.expr) v = apply_filter_chain(*s.expr, std::move(v), scope);
        scope->set(s.name, std::move(v));
        return Flow::Normal;
      }
      case StmtKind::Macro:
        scope->set(s.name, make_macro(s, scope, s.name));
        return Flow::Normal;
      case StmtKind::CallBlock: {
        const Expr& call_expr = *s.expr;
        Value callee = eval(*call_expr.args[0], scope);
        CallArgs args = eval_args(call_expr, 1, scope);
        args.kwargs.emplace_back("caller", make_macro(s, scope, "caller"));
        out += to_str(call(callee, args));
        return Flow::Normal;
      }
      case StmtKind::FilterBlock: {
        std::string buf;
        exec(s.body, scope, buf);
        out += to_str(apply_filter_chain(*s.expr, Value(std::move(buf)), scope));
        return Flow::Normal;
      }
      case StmtKind::Break:
        return Flow::Break;
      case StmtKind::Continue:
        return Flow::Continue;
    }
  } catch (const Failure& f) {
    throw Error(name_, s.line, s.col, f.what());
  }
  return Flow::Normal;
}

static void assign(Scope& scope, const std::vector<ExprPtr>& targets, const Value& value) {
  if (targets.size() == 1) {
    scope.set(targets[0]->name, value);
    return;
  }
  std::vector<Value> items = iterate(value);
  if (items.size() != targets.size()) {
    throw Failure(items.size() < targets.size()
                      ? "not enough values to unpack (expected " + std::to_string(targets.size()) +
                            ", got " + std::to_string(items.size()) + ")"
                      : "too many values to unpack (expected " + std::to_string(targets.size()) +
                            ")");
  }
  for (std::size_t i = 0; i < items.size(); ++i) scope.set(targets[i]->name, items[i]);
}

Interpreter::Flow Interpreter::exec_for(const Stmt& s, const ScopePtr& scope, std::string& out) {
  std::vector<Value> items = iterate(eval(*s.expr, scope));
  if (s.cond) {
    std::vector<Value> kept;
    for (auto& item : items) {
      auto probe = std::make_shared<Scope>(scope);
      assign(*probe, s.targets, item);
      if (truthy(eval(*s.cond, probe))) kept.push_back(std::move(item));
    }
    items = std::move(kept);
  }
  if (items.empty()) return exec(s.else_body, scope, out);
  const auto n = static_cast<std::int64_t>(items.size());
  for (std::int64_t i = 0; i < n; ++i) {
    step();
    auto iter_scope = std::make_shared<Scope>(scope);
    assign(*iter_scope, s.targets, items[static_cast<std::size_t>(i)]);
    Value loop = Value::dict();
    Dict& d = loop.as_dict();
    d.set("index", Value(i + 1));
    d.set("index0", Value(i));
    d.set("revindex", Value(n - i));
    d.set("revindex0", Value(n - i - 1));
    d.set("first", Value(i == 0));
    d.set("last", Value(i == n - 1));
    d.set("length", Value(n));
    d.set("depth", Value(1));
    d.set("depth0", Value(0));
    if (i > 0) d.set("previtem", items[static_cast<std::size_t>(i - 1)]);
    if (i < n - 1) d.set("nextitem", items[static_cast<std::size_t>(i + 1)]);
    d.set("cycle", Value::callable("cycle", [i](CallArgs& a) -> Value {
            if (a.args.empty()) throw Failure("no items for cycling given");
            return a.args[static_cast<std::size_t>(i) % a.args.size()];
          }));
    iter_scope->set("loop", loop);
    if (exec(s.body, iter_scope, out) == Flow::Break) break;
  }
  return Flow::Normal;
}

void Interpreter::exec_set(const Stmt& s, const ScopePtr& scope) {
  Value value = eval(*s.expr, scope);
  const Expr& target = *s.targets[0];
  if (target.kind == ExprKind::Attr) {
    const std::string& ns_name = target.args[0]->name;
    const Value* ns = scope->lookup(ns_name);
    if (!ns || !ns->is_dict() || !ns->as_dict().is_namespace) {
      throw Failure("cannot assign attribute on non-namespace object");
    }
    ns->as_dict().set(Value(target.name), std::move(value));
    return;
  }
  assign(*scope, s.targets, value);
}

Value Interpreter::make_macro(const Stmt& s, const ScopePtr& scope, std::string macro_name) {
  const Stmt* def = &s;
  // The macro is usually stored in the scope it closes over; a strong capture would be
  // a reference cycle. The interpreter keeps the scope alive for the whole render.
  macro_scopes_.push_back(scope);
  std::weak_ptr<Scope> closure = scope;
  return Value::callable(macro_name, [this, def, closure, macro_name](CallArgs& a) -> Value {
    step();
    auto frame = std::make_shared<Scope>(closure.lock());
    const auto& params = def->params;
    std::vector<Value> varargs;
    for (std::size_t i = 0; i < a.args.size(); ++i) {
      if (i < params.size())
        frame->set(params[i], a.args[i]);
      else
        varargs.push_back(a.args[i]);
    }
    Value kwargs = Value::dict();
    for (auto& [k, v] : a.kwargs) {
      bool known = false;
      for (std::size_t i = 0; i < params.size(); ++i) {
        if (params[i] == k) {
          if (i < a.args.size()) {
            throw Failure("macro '" + macro_name + "' got multiple values for argument '" + k +
                          "'");
          }
          known = true;
        }
      }
      if (known || k == "caller")
        frame->set(k, v);
      else
        kwargs.as_dict().set(Value(k), v);
    }
    for (std::size_t i = a.args.size(); i < params.size(); ++i) {
      if (a.kwarg(params[i])) continue;
      if (def->defaults[i]) {
        frame->set(params[i], eval(*def->defaults[i], frame));
      } else {
        frame->set(params[i], Value::undefined("parameter '" + params[i] + "' was not provided"));
      }
    }
    frame->set("varargs", Value::list(std::move(varargs), true));
    frame->set("kwargs", kwargs);
    std::string buf;
    exec(def->body, frame, buf);
    return Value(std::move(buf));
  });
}

}  // namespace vllmctl::jinja
