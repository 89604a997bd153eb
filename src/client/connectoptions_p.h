// SPDX-License-Identifier: MIT
#pragma once

#include <AsyncMySql/ConnectOptions.h>

#include <optional>

namespace AsyncMySql {

//! An ssl-mode value as MySQL's clients spell it (disabled, preferred, required, verify-ca,
//! verify-identity; also the libpq-like disable/prefer/require/verify-full).
std::optional<SslOptions::Mode> parseSslMode(const QString &value);

/*! The mode open() uses for \a ssl: its mode, or for Mode::Default what SslOptions::Mode::Default
    documents (never Default). */
SslOptions::Mode effectiveSslMode(const SslOptions &ssl);

} // namespace AsyncMySql
