// Internal to the parser: the recursive-descent Parser shared by parser_stmt.cpp
// (statements) and parser_expr.cpp (expressions). Not part of the public API.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "engine/text/jinja/ast.h"
#include "engine/text/jinja/lexer.h"

namespace vllmctl::jinja {

class Parser {
 public:
  Parser(const std::vector<Token>& tokens, const std::string& name) : toks_(tokens), name_(name) {}

  // Statements until one of `end_names` opens a block tag (that name is left current
  // and stored in *found), or the end of input when `end_names` is empty.
  Body subparse(const std::vector<std::string_view>& end_names, std::string* found);

  ExprPtr parse_expression(bool with_condexpr = true);
  // Comma-separated expressions: a Tuple when a comma is seen, else the one expression.
  ExprPtr parse_tuple(bool with_condexpr = true,
                      const std::vector<std::string_view>& end_names = {},
                      bool explicit_parentheses = false);
  // `|f(x)|g` with `subject` as the filtered value (null for {% filter %} / {% set %} blocks).
  ExprPtr parse_filters(ExprPtr subject, bool start_inline);

 private:
  std::unique_ptr<Stmt> parse_statement();
  std::unique_ptr<Stmt> parse_if(const Token& at);
  std::unique_ptr<Stmt> parse_for(const Token& at);
  std::unique_ptr<Stmt> parse_set(const Token& at);
  std::unique_ptr<Stmt> parse_macro(const Token& at);
  std::unique_ptr<Stmt> parse_call_block(const Token& at);
  std::unique_ptr<Stmt> parse_filter_block(const Token& at);
  void parse_signature(Stmt& stmt);
  std::vector<ExprPtr> parse_targets(const std::vector<std::string_view>& end_names);

  ExprPtr parse_condexpr();
  ExprPtr parse_or();
  ExprPtr parse_and();
  ExprPtr parse_not();
  ExprPtr parse_compare();
  ExprPtr parse_math1();
  ExprPtr parse_concat();
  ExprPtr parse_math2();
  ExprPtr parse_pow();
  ExprPtr parse_unary(bool with_filter);
  ExprPtr parse_primary();
  ExprPtr parse_postfix(ExprPtr node);
  ExprPtr parse_filter_expr(ExprPtr node);
  ExprPtr parse_subscript(ExprPtr node);
  ExprPtr parse_subscribed();
  ExprPtr parse_test(ExprPtr node);
  // Appends `(a, b, k=v)` arguments to node->args / node->kwnames.
  void parse_call_args(Expr& node);

  const Token& cur() const { return toks_[pos_]; }
  const Token& peek(std::size_t n = 1) const {
    return toks_[pos_ + n < toks_.size() ? pos_ + n : toks_.size() - 1];
  }
  void next() {
    if (pos_ + 1 < toks_.size()) ++pos_;
  }
  bool at_op(std::string_view op) const { return cur().type == TokenType::Op && cur().value == op; }
  bool at_name(std::string_view n) const {
    return cur().type == TokenType::Name && cur().value == n;
  }
  void expect_op(std::string_view op);
  std::string expect_name();
  void expect_block_end();
  ExprPtr make(ExprKind kind, const Token& at) const;
  static std::string describe(const Token& t);
  [[noreturn]] void fail(const Token& at, const std::string& message) const;

  // Bounds the recursion of nested brackets, unary operators and blocks, so hostile
  // input fails with an Error instead of exhausting the stack.
  struct DepthGuard {
    DepthGuard(Parser& p) : parser(p) {
      if (++parser.depth_ > kMaxDepth) parser.fail(parser.cur(), "template is nested too deeply");
    }
    ~DepthGuard() { --parser.depth_; }
    Parser& parser;
  };
  static constexpr int kMaxDepth = 256;

  const std::vector<Token>& toks_;
  const std::string& name_;
  std::size_t pos_ = 0;
  int loop_depth_ = 0;
  int depth_ = 0;
};

}  // namespace vllmctl::jinja
