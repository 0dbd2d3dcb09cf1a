// Checks (tsc --noEmit, see ../../../main/js/tsconfig.json) that the JavaScript of mesh-client implements what
// mesh-client.d.ts declares. tsc infers each module's types from its code and JSDoc; every declared export must accept
// the implementation, and nothing may be exported without a declaration.
import * as implementation from '../../../main/js/mesh-client/src/index.js';
import type * as declared from '../../../main/js/mesh-client/mesh-client.js';

type Declared = typeof declared;
type Implemented = typeof implementation;

export const implementsDeclarations: Declared = implementation;

type Undeclared = Exclude<keyof Implemented, keyof Declared>;
export const nothingUndeclared: [Undeclared] extends [never] ? true : Undeclared = true;
