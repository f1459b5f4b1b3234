// Internal: the tree-walking evaluator behind Template::render. Scopes follow
// jinja2: a for-loop iteration and a macro call each get a fresh scope over their
// parent; `set` writes to the innermost scope; if-blocks share their scope.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "engine/text/jinja/ast.h"
#include "engine/text/jinja/error.h"
#include "engine/text/jinja/template.h"
#include "engine/text/jinja/value.h"

namespace vllmctl::jinja {

class Scope {
 public:
  explicit Scope(std::shared_ptr<Scope> parent = nullptr) : parent_(std::move(parent)) {}
  const Value* lookup(const std::string& name) const;
  void set(const std::string& name, Value value) { vars_[name] = std::move(value); }

 private:
  std::unordered_map<std::string, Value> vars_;
  std::shared_ptr<Scope> parent_;
};
using ScopePtr = std::shared_ptr<Scope>;

class Interpreter {
 public:
  Interpreter(const std::string& name, const RenderOptions& options)
      : name_(name), options_(options) {}

  enum class Flow { Normal, Break, Continue };
  // Appends the body's output to `out`.
  Flow exec(const Body& body, const ScopePtr& scope, std::string& out);
  Value eval(const Expr& e, const ScopePtr& scope);

  Value call(const Value& callee, CallArgs& args);
  Value get_attr(const Value& obj, const std::string& attr);
  Value get_item(const Value& obj, const Value& key);
  Value filter(const std::string& name, const Value& subject, CallArgs& args);
  bool test(const std::string& name, const Value& subject, CallArgs& args);

  const RenderOptions& options() const { return options_; }
  void check_output(const std::string& out) const {
    if (out.size() > options_.max_output_bytes) throw Failure("output too large");
  }
  const std::string& name() const { return name_; }

 private:
  Flow exec_stmt(const Stmt& s, const ScopePtr& scope, std::string& out);
  Flow exec_for(const Stmt& s, const ScopePtr& scope, std::string& out);
  void exec_set(const Stmt& s, const ScopePtr& scope);
  Value make_macro(const Stmt& s, const ScopePtr& scope, std::string name);
  Value eval_inner(const Expr& e, const ScopePtr& scope);
  CallArgs eval_args(const Expr& e, std::size_t first, const ScopePtr& scope);
  Value apply_filter_chain(const Expr& chain, Value subject, const ScopePtr& scope);

  // Counts a loop iteration or macro call against options_.max_steps.
  void step();

  const std::string& name_;
  const RenderOptions& options_;
  int depth_ = 0;  // recursion guard for macros calling macros
  std::uint64_t steps_ = 0;
  std::vector<ScopePtr> macro_scopes_;  // scopes macros close over, alive until the end
};

// Operators with Python semantics (operators.cpp). Throw Failure.
Value binary_op(const std::string& op, const Value& a, const Value& b);
Value negate(const Value& v);
Value slice(const Value& obj, const Value& start, const Value& stop, const Value& step);
// Registries (filters.cpp, tests.cpp, methods.cpp, globals.cpp).
bool has_filter(const std::string& name);
Value run_filter(Interpreter& in, const std::string& name, const Value& v, CallArgs& args);
bool has_test(const std::string& name);
bool run_test(Interpreter& in, const std::string& name, const Value& v, CallArgs& args);
// A bound method of a str/dict/list; nullopt when the type has no such attribute. A
// mutating method (list.append, dict.update) is an undefined that raises when called,
// as jinja2's ImmutableSandboxedEnvironment gives.
std::optional<Value> method(const Value& obj, const std::string& name);
// `namespaces` collects every namespace() the template creates: the only mutable
// objects, so the only way to build a reference cycle; the caller clears them after the
// render to break any.
void install_globals(Scope& scope, const RenderOptions& options,
                     const std::shared_ptr<std::vector<Value>>& namespaces);
// Throws the Failure an undefined value raises when used ("'x' is undefined").
[[noreturn]] void fail_undefined(const Value& v);

}  // namespace vllmctl::jinja
