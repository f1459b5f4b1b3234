// Expression parsing, precedence from jinja2's parser: condexpr < or < and < not <
// compare < + - < ~ < * / // % < ** < unary < postfix, filters and tests.
#include "engine/text/jinja/error.h"
#include "engine/text/jinja/parser_impl.h"

namespace vllmctl::jinja {

ExprPtr Parser::make(ExprKind kind, const Token& at) const {
  auto e = std::make_unique<Expr>();
  e->kind = kind;
  e->line = at.line;
  e->col = at.col;
  return e;
}

std::string Parser::describe(const Token& t) {
  switch (t.type) {
    case TokenType::Eof:
      return "end of template";
    case TokenType::VarEnd:
      return "end of print statement";
    case TokenType::BlockEnd:
      return "end of statement block";
    case TokenType::VarBegin:
      return "begin of print statement";
    case TokenType::BlockBegin:
      return "begin of statement block";
    case TokenType::Data:
      return "template data";
    case TokenType::String:
      return "string";
    default:
      return "'" + t.value + "'";
  }
}

void Parser::fail(const Token& at, const std::string& message) const {
  throw Error(name_, at.line, at.col, message);
}

void Parser::expect_op(std::string_view op) {
  if (!at_op(op)) fail(cur(), "expected token '" + std::string(op) + "', got " + describe(cur()));
  next();
}

std::string Parser::expect_name() {
  if (cur().type != TokenType::Name) fail(cur(), "expected token 'name', got " + describe(cur()));
  std::string n = cur().value;
  next();
  return n;
}

void Parser::expect_block_end() {
  if (cur().type != TokenType::BlockEnd) {
    fail(cur(), "expected token 'end of statement block', got " + describe(cur()));
  }
  next();
}

ExprPtr Parser::parse_tuple(bool with_condexpr, const std::vector<std::string_view>& end_names,
                            bool explicit_parentheses) {
  const Token& start = cur();
  std::vector<ExprPtr> items;
  bool is_tuple = false;
  auto at_end = [&] {
    if (cur().type == TokenType::VarEnd || cur().type == TokenType::BlockEnd || at_op(")"))
      return true;
    for (auto n : end_names) {
      if (at_name(n)) return true;
    }
    return false;
  };
  while (true) {
    if (!items.empty()) expect_op(",");
    if (at_end()) break;
    items.push_back(parse_expression(with_condexpr));
    if (at_op(","))
      is_tuple = true;
    else
      break;
  }
  if (!is_tuple) {
    if (!items.empty()) return std::move(items[0]);
    if (!explicit_parentheses) fail(cur(), "Expected an expression, got " + describe(cur()));
  }
  auto t = make(ExprKind::Tuple, start);
  t->args = std::move(items);
  return t;
}

ExprPtr Parser::parse_expression(bool with_condexpr) {
  return with_condexpr ? parse_condexpr() : parse_or();
}

ExprPtr Parser::parse_condexpr() {
  ExprPtr expr = parse_or();
  while (at_name("if")) {
    auto cond = make(ExprKind::Cond, cur());
    next();
    ExprPtr test = parse_or();
    ExprPtr otherwise;
    if (at_name("else")) {
      next();
      otherwise = parse_condexpr();
    }
    cond->args.push_back(std::move(expr));
    cond->args.push_back(std::move(test));
    cond->args.push_back(std::move(otherwise));
    expr = std::move(cond);
  }
  return expr;
}

ExprPtr Parser::parse_or() {
  ExprPtr left = parse_and();
  while (at_name("or")) {
    auto node = make(ExprKind::Or, cur());
    next();
    node->args.push_back(std::move(left));
    node->args.push_back(parse_and());
    left = std::move(node);
  }
  return left;
}

ExprPtr Parser::parse_and() {
  ExprPtr left = parse_not();
  while (at_name("and")) {
    auto node = make(ExprKind::And, cur());
    next();
    node->args.push_back(std::move(left));
    node->args.push_back(parse_not());
    left = std::move(node);
  }
  return left;
}

ExprPtr Parser::parse_not() {
  DepthGuard guard(*this);
  if (at_name("not")) {
    auto node = make(ExprKind::Not, cur());
    next();
    node->args.push_back(parse_not());
    return node;
  }
  return parse_compare();
}

ExprPtr Parser::parse_compare() {
  const Token& start = cur();
  ExprPtr first = parse_math1();
  ExprPtr cmp;
  while (true) {
    std::string op;
    if (cur().type == TokenType::Op &&
        (at_op("==") || at_op("!=") || at_op("<") || at_op("<=") || at_op(">") || at_op(">="))) {
      op = cur().value;
      next();
    } else if (at_name("in")) {
      op = "in";
      next();
    } else if (at_name("not") && peek().type == TokenType::Name && peek().value == "in") {
      op = "notin";
      next();
      next();
    } else {
      break;
    }
    if (!cmp) {
      cmp = make(ExprKind::Compare, start);
      cmp->args.push_back(std::move(first));
    }
    cmp->ops.push_back(op);
    cmp->args.push_back(parse_math1());
  }
  return cmp ? std::move(cmp) : std::move(first);
}

static ExprPtr binary(ExprPtr node, std::string op, ExprPtr left, ExprPtr right) {
  node->name = std::move(op);
  node->args.push_back(std::move(left));
  node->args.push_back(std::move(right));
  return node;
}

ExprPtr Parser::parse_math1() {
  ExprPtr left = parse_concat();
  while (at_op("+") || at_op("-")) {
    auto node = make(ExprKind::Binary, cur());
    std::string op = cur().value;
    next();
    left = binary(std::move(node), op, std::move(left), parse_concat());
  }
  return left;
}

ExprPtr Parser::parse_concat() {
  ExprPtr left = parse_math2();
  while (at_op("~")) {
    auto node = make(ExprKind::Binary, cur());
    next();
    left = binary(std::move(node), "~", std::move(left), parse_math2());
  }
  return left;
}

ExprPtr Parser::parse_math2() {
  ExprPtr left = parse_pow();
  while (at_op("*") || at_op("/") || at_op("//") || at_op("%")) {
    auto node = make(ExprKind::Binary, cur());
    std::string op = cur().value;
    next();
    left = binary(std::move(node), op, std::move(left), parse_pow());
  }
  return left;
}

ExprPtr Parser::parse_pow() {
  ExprPtr left = parse_unary(true);
  while (at_op("**")) {
    auto node = make(ExprKind::Binary, cur());
    next();
    left = binary(std::move(node), "**", std::move(left), parse_unary(true));
  }
  return left;
}

ExprPtr Parser::parse_unary(bool with_filter) {
  DepthGuard guard(*this);
  ExprPtr node;
  if (at_op("-") || at_op("+")) {
    node = make(at_op("-") ? ExprKind::Neg : ExprKind::Pos, cur());
    next();
    node->args.push_back(parse_unary(false));
  } else {
    node = parse_primary();
  }
  node = parse_postfix(std::move(node));
  if (with_filter) node = parse_filter_expr(std::move(node));
  return node;
}

ExprPtr Parser::parse_primary() {
  const Token& t = cur();
  if (t.type == TokenType::Name) {
    auto node = make(ExprKind::Literal, t);
    if (t.value == "true" || t.value == "True")
      node->literal = Value(true);
    else if (t.value == "false" || t.value == "False")
      node->literal = Value(false);
    else if (t.value == "none" || t.value == "None")
      node->literal = Value::none();
    else {
      node->kind = ExprKind::Name;
      node->name = t.value;
    }
    next();
    return node;
  }
  if (t.type == TokenType::String) {
    auto node = make(ExprKind::Literal, t);
    std::string s;
    while (cur().type == TokenType::String) {
      s += cur().value;
      next();
    }
    node->literal = Value(std::move(s));
    return node;
  }
  if (t.type == TokenType::Int || t.type == TokenType::Float) {
    auto node = make(ExprKind::Literal, t);
    try {
      node->literal = t.type == TokenType::Int
                          ? Value(static_cast<std::int64_t>(std::stoll(t.value)))
                          : Value(std::stod(t.value));
    } catch (const std::exception&) {
      fail(t, "number out of range: " + t.value);
    }
    next();
    return node;
  }
  if (at_op("(")) {
    next();
    ExprPtr inner = parse_tuple(true, {}, true);
    expect_op(")");
    return inner;
  }
  if (at_op("[") || at_op("{")) {
    bool is_list = at_op("[");
    auto node = make(is_list ? ExprKind::List : ExprKind::Dict, t);
    const char* close = is_list ? "]" : "}";
    next();
    while (!at_op(close)) {
      if (!node->args.empty()) {
        expect_op(",");
        if (at_op(close)) break;
      }
      node->args.push_back(parse_expression());
      if (!is_list) {
        expect_op(":");
        node->args.push_back(parse_expression());
      }
    }
    next();
    return node;
  }
  fail(t, "unexpected " + describe(t));
}

}  // namespace vllmctl::jinja
