// Template: lex + parse at construction (checking filter and test names, as jinja2
// does at compile time), render by walking the tree.
#include "engine/text/jinja/template.h"

#include <stdexcept>
#include <variant>

#include "engine/text/jinja/interpreter.h"
#include "engine/text/jinja/json_bridge.h"
#include "engine/text/jinja/parser.h"

namespace vllmctl::jinja {
namespace {

void check_expr(const Expr* e, const std::string& name) {
  if (!e) return;
  if (e->kind == ExprKind::Filter && !has_filter(e->name)) {
    throw Error(name, e->line, e->col, "No filter named '" + e->name + "'.");
  }
  if (e->kind == ExprKind::Test && !has_test(e->name)) {
    throw Error(name, e->line, e->col, "No test named '" + e->name + "'.");
  }
  for (const auto& a : e->args) check_expr(a.get(), name);
}

void check_body(const Body& body, const std::string& name) {
  for (const auto& s : body) {
    check_expr(s->expr.get(), name);
    check_expr(s->cond.get(), name);
    for (const auto& d : s->defaults) check_expr(d.get(), name);
    for (const auto& [cond, b] : s->branches) {
      check_expr(cond.get(), name);
      check_body(b, name);
    }
    check_body(s->body, name);
    check_body(s->else_body, name);
  }
}

}  // namespace

Template::Template(std::string_view source, TemplateOptions options)
    : options_(std::move(options)) {
  auto body =
      std::make_shared<Body>(parse(tokenize(source, options_.lexer, options_.name), options_.name));
  check_body(*body, options_.name);
  body_ = std::move(body);
}

std::string Template::render(const Value& context, const RenderOptions& options) const {
  auto globals = std::make_shared<Scope>();
  auto namespaces = std::make_shared<std::vector<Value>>();
  install_globals(*globals, options, namespaces);
  // Breaks reference cycles through namespaces (ns.self = ns) however the render ends.
  struct ClearNamespaces {
    ~ClearNamespaces() {
      for (Value& ns : *list) ns.as_dict().clear();
    }
    std::shared_ptr<std::vector<Value>> list;
  } clear_namespaces{namespaces};
  auto scope = std::make_shared<Scope>(globals);
  if (context.is_dict()) {
    for (const auto& [k, v] : context.as_dict().entries()) {
      if (k.is_string()) scope->set(k.as_string(), v);
    }
  }
  Interpreter interpreter(options_.name, options);
  std::string out;
  auto body = body_;  // keeps the tree alive while macros point into it
  try {
    interpreter.exec(*body, scope, out);
  } catch (const Error&) {
    throw;
  } catch (const Failure& f) {
    throw Error(options_.name, 0, 0, f.what());
  } catch (const std::bad_variant_access&) {
    throw Error(options_.name, 0, 0, "invalid argument type");
  } catch (const std::logic_error& e) {
    throw Error(options_.name, 0, 0, std::string("invalid argument: ") + e.what());
  }
  return out;
}

namespace {

template <typename Json>
Value context_value(const Json& context, const std::string& name) {
  try {
    return from_json(context);
  } catch (const Failure& f) {
    throw Error(name, 0, 0, std::string("context: ") + f.what());
  }
}

}  // namespace

std::string Template::render(const nlohmann::ordered_json& context,
                             const RenderOptions& options) const {
  return render(context_value(context, options_.name), options);
}

std::string Template::render(const nlohmann::json& context, const RenderOptions& options) const {
  return render(context_value(context, options_.name), options);
}

}  // namespace vllmctl::jinja
