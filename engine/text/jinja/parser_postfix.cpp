// Postfix parsing: attribute and item access, slices, calls with keyword arguments,
// filters (`x|f(a)`) and tests (`x is not f a`), after jinja2's parser.
#include <stdexcept>

#include "engine/text/jinja/error.h"
#include "engine/text/jinja/parser_impl.h"

namespace vllmctl::jinja {

ExprPtr Parser::parse_postfix(ExprPtr node) {
  while (true) {
    if (at_op(".") || at_op("["))
      node = parse_subscript(std::move(node));
    else if (at_op("(")) {
      auto call = make(ExprKind::Call, cur());
      call->line = node->line;  // errors in a call point at what was called
      call->col = node->col;
      call->args.push_back(std::move(node));
      parse_call_args(*call);
      node = std::move(call);
    } else {
      return node;
    }
  }
}

ExprPtr Parser::parse_filter_expr(ExprPtr node) {
  while (true) {
    if (at_op("|"))
      node = parse_filters(std::move(node), false);
    else if (at_name("is"))
      node = parse_test(std::move(node));
    else if (at_op("(")) {
      auto call = make(ExprKind::Call, cur());
      call->line = node->line;  // errors in a call point at what was called
      call->col = node->col;
      call->args.push_back(std::move(node));
      parse_call_args(*call);
      node = std::move(call);
    } else {
      return node;
    }
  }
}

ExprPtr Parser::parse_subscript(ExprPtr node) {
  const Token& at = cur();
  if (at_op(".")) {
    next();
    if (cur().type == TokenType::Name) {
      auto attr = make(ExprKind::Attr, at);
      attr->name = cur().value;
      attr->args.push_back(std::move(node));
      next();
      return attr;
    }
    if (cur().type != TokenType::Int) fail(cur(), "expected name or number");
    auto item = make(ExprKind::Item, at);
    item->args.push_back(std::move(node));
    auto index = make(ExprKind::Literal, cur());
    try {
      index->literal = Value(static_cast<std::int64_t>(std::stoll(cur().value)));
    } catch (const std::exception&) {
      fail(cur(), "number out of range: " + cur().value);
    }
    item->args.push_back(std::move(index));
    next();
    return item;
  }
  next();  // [
  std::vector<ExprPtr> subs;
  while (!at_op("]")) {
    if (!subs.empty()) expect_op(",");
    subs.push_back(parse_subscribed());
  }
  next();
  if (subs.empty()) fail(at, "expected subscript expression");
  if (subs.size() == 1 && subs[0]->kind == ExprKind::Slice) {
    subs[0]->args[0] = std::move(node);
    return std::move(subs[0]);
  }
  auto item = make(ExprKind::Item, at);
  item->args.push_back(std::move(node));
  if (subs.size() == 1) {
    item->args.push_back(std::move(subs[0]));
  } else {
    for (const auto& sub : subs) {  // x[1:2, 3]: no Jinja value type accepts a slice tuple
      if (sub->kind == ExprKind::Slice) fail(at, "a slice cannot be part of a subscript tuple");
    }
    auto tuple = make(ExprKind::Tuple, at);
    tuple->args = std::move(subs);
    item->args.push_back(std::move(tuple));
  }
  return item;
}

ExprPtr Parser::parse_subscribed() {
  const Token& at = cur();
  ExprPtr start;
  if (!at_op(":")) {
    start = parse_expression();
    if (!at_op(":")) return start;
  }
  next();  // first ':'
  auto slice = make(ExprKind::Slice, at);
  slice->args.push_back(nullptr);  // the sliced object, filled in by parse_subscript
  slice->args.push_back(std::move(start));
  slice->args.push_back(at_op("]") || at_op(",") || at_op(":") ? nullptr : parse_expression());
  if (at_op(":")) {
    next();
    slice->args.push_back(at_op("]") || at_op(",") ? nullptr : parse_expression());
  } else {
    slice->args.push_back(nullptr);
  }
  return slice;
}

void Parser::parse_call_args(Expr& node) {
  expect_op("(");
  while (!at_op(")")) {
    if (node.args.size() > 1 || !node.kwnames.empty()) {
      expect_op(",");
      if (at_op(")")) break;
    }
    if (cur().type == TokenType::Name && peek().type == TokenType::Op && peek().value == "=") {
      node.kwnames.push_back(cur().value);
      next();
      next();
      node.args.push_back(parse_expression());
    } else {
      if (!node.kwnames.empty()) fail(cur(), "positional argument follows keyword argument");
      node.args.push_back(parse_expression());
    }
  }
  next();
}

ExprPtr Parser::parse_filters(ExprPtr subject, bool start_inline) {
  while (at_op("|") || start_inline) {
    if (!start_inline) next();
    start_inline = false;
    auto node = make(ExprKind::Filter, cur());
    node->name = expect_name();
    while (at_op(".")) {
      next();
      node->name += "." + expect_name();
    }
    node->args.push_back(std::move(subject));
    if (at_op("(")) parse_call_args(*node);
    subject = std::move(node);
  }
  return subject;
}

ExprPtr Parser::parse_test(ExprPtr node) {
  auto test = make(ExprKind::Test, cur());
  next();  // is
  if (at_name("not")) {
    test->negated = true;
    next();
  }
  test->name = expect_name();
  while (at_op(".")) {
    next();
    test->name += "." + expect_name();
  }
  test->args.push_back(std::move(node));
  if (at_op("(")) {
    parse_call_args(*test);
  } else if ((cur().type == TokenType::Name || cur().type == TokenType::String ||
              cur().type == TokenType::Int || cur().type == TokenType::Float || at_op("[") ||
              at_op("{")) &&
             !at_name("else") && !at_name("or") && !at_name("and")) {
    if (at_name("is")) fail(cur(), "You cannot chain multiple tests with is");
    test->args.push_back(parse_postfix(parse_primary()));
  }
  return test;
}

}  // namespace vllmctl::jinja
