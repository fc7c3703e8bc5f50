/**
 * Tree-sitter queries per grammar. Every query here is compiled against every grammar it is
 * listed for by a test, so a grammar upgrade that renames a node fails loudly.
 */
import type { GrammarName } from '../languages.js';

const pythonUnits = `
(function_definition name: (identifier) @name) @function
(class_definition name: (identifier) @name) @class
`;

const jsCommonUnits = `
(function_declaration name: (identifier) @name) @function
(generator_function_declaration name: (identifier) @name) @function
(class_declaration name: (_) @name) @class
(method_definition name: (_) @name) @method
(variable_declarator name: (identifier) @name value: [(arrow_function) (function_expression) (generator_function)]) @function
`;

const jsUnits = `${jsCommonUnits}
(field_definition property: (_) @name value: [(arrow_function) (function_expression)]) @method
`;

const tsUnits = `${jsCommonUnits}
(abstract_class_declaration name: (_) @name) @class
(public_field_definition name: (_) @name value: [(arrow_function) (function_expression)]) @method
`;

const comments = `(comment) @comment`;

const pythonImports = `
(import_statement) @import
(import_from_statement) @import
(future_import_statement) @import
`;

const jsImports = `
(import_statement) @import
(call_expression function: (identifier) @fn (#eq? @fn "require") arguments: (arguments (string) @source)) @import
`;

const pythonCalls = `
(call function: (identifier) @callee)
(call function: (attribute attribute: (identifier) @callee))
`;

const jsCalls = `
(call_expression function: (identifier) @callee)
(call_expression function: (member_expression property: (property_identifier) @callee))
(new_expression constructor: (identifier) @callee)
`;

export type QueryName = 'units' | 'comments' | 'imports' | 'calls';

export const queries: Record<GrammarName, Record<QueryName, string>> = {
  python: { units: pythonUnits, comments, imports: pythonImports, calls: pythonCalls },
  javascript: { units: jsUnits, comments, imports: jsImports, calls: jsCalls },
  typescript: { units: tsUnits, comments, imports: jsImports, calls: jsCalls },
  tsx: { units: tsUnits, comments, imports: jsImports, calls: jsCalls },
};
