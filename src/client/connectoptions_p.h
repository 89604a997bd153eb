// SPDX-License-Identifier: MIT
#pragma once

#include <AsyncMySql/ConnectOptions.h>

#include <chrono>
#include <optional>

namespace AsyncMySql {

//! An ssl-mode value as MySQL's clients spell it (disabled, preferred, required, verify-ca,
//! verify-identity; also the libpq-like disable/prefer/require/verify-full).
std::optional<SslOptions::Mode> parseSslMode(const QString &value);

/*! A timeout written in seconds (URL and option-file connect-timeout, query-timeout): "2.5"
    is 2500 ms. Nothing for text that is no number, or a number a timer cannot hold (negative,
    infinite, NaN, above INT_MAX ms, about 24.8 days): converting those to an integer was
    undefined behaviour. */
std::optional<std::chrono::milliseconds> parseTimeoutSeconds(const QString &value);

/*! The mode open() uses for \a ssl: its mode, or for Mode::Default what SslOptions::Mode::Default
    documents (never Default). */
SslOptions::Mode effectiveSslMode(const SslOptions &ssl);

} // namespace AsyncMySql
