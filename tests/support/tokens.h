// Signing keys and bearer tokens made on the fly for authentication tests:
// the signing code of common/token_signing.h, under the names the tests use.
#ifndef DUBAN_TESTS_SUPPORT_TOKENS_H_
#define DUBAN_TESTS_SUPPORT_TOKENS_H_

#include "common/token_signing.h"

namespace duban {

using TestKeyPair = SigningKeyPair;

}  // namespace duban

#endif  // DUBAN_TESTS_SUPPORT_TOKENS_H_
