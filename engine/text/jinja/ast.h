// The Jinja syntax tree. Two node types, Expr and Stmt, each a tagged struct whose
// fields are read according to its kind (documented per kind below).
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "engine/text/jinja/value.h"

namespace vllmctl::jinja {

enum class ExprKind {
  Literal,  // literal
  Name,     // name
  List,     // args: items
  Tuple,    // args: items
  Dict,     // args: key0, value0, key1, value1, ...
  Attr,     // args[0].name
  Item,     // args[0][args[1]]
  Slice,    // args[0][args[1]:args[2]:args[3]], absent parts are null
  Call,     // args[0](args[1..]); the last kwnames.size() arguments are keywords
  Filter,   // args[0]|name(args[1..]); args[0] is null in a {% filter %} block
  Test,     // args[0] is [not] name(args[1..])
  Not,      // not args[0]
  Neg,      // -args[0]
  Pos,      // +args[0]
  Binary,   // args[0] name args[1], name one of + - * / // % ** ~ in notin
  And,      // args[0] and args[1]
  Or,       // args[0] or args[1]
  Compare,  // args[0] ops[0] args[1] ops[1] args[2] ... (chained, as in Python)
  Cond,     // args[0] if args[1] else args[2] (args[2] null: undefined)
};

struct Expr {
  ExprKind kind;
  int line = 0;
  int col = 0;
  Value literal;
  std::string name;
  std::vector<std::unique_ptr<Expr>> args;
  std::vector<std::string> kwnames;
  std::vector<std::string> ops;
  bool negated = false;
};
using ExprPtr = std::unique_ptr<Expr>;

struct Stmt;
using Body = std::vector<std::unique_ptr<Stmt>>;

enum class StmtKind {
  Text,         // text
  Output,       // {{ expr }}
  If,           // branches (condition, body) in order; else_body
  For,          // for targets in expr [if cond]: body; else_body
  Set,          // targets = expr (one Name or Attr target, or several Names to unpack)
  SetBlock,     // {% set name [| filters] %}body{% endset %}; expr: filter chain or null
  Macro,        // name(params = defaults) body; defaults[i] null when required
  CallBlock,    // {% call(params) expr %}body{% endcall %}: body is caller()
  FilterBlock,  // expr: filter chain applied to body's output
  Break,
  Continue,
};

struct Stmt {
  StmtKind kind;
  int line = 0;
  int col = 0;
  std::string text;
  std::string name;
  ExprPtr expr;
  ExprPtr cond;
  std::vector<ExprPtr> targets;
  std::vector<std::pair<ExprPtr, Body>> branches;
  Body body;
  Body else_body;
  std::vector<std::string> params;
  std::vector<ExprPtr> defaults;
};

}  // namespace vllmctl::jinja
