import { Parser, Language } from 'web-tree-sitter';
await Parser.init();
const lang = await Language.load('node_modules/tree-sitter-typescript/tree-sitter-typescript.wasm');
const p = new Parser(); p.setLanguage(lang);
const src = process.argv[2];
const t = p.parse(src);
console.log(t.rootNode.toString());
