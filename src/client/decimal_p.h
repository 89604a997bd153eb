// SPDX-License-Identifier: MIT
#pragma once

#include <QtCore/QByteArrayView>

namespace AsyncMySql::DecimalText {

/*! What Decimal::fromString(text).toDouble(ok) gives, without making the Decimal: for text
    that is not valid, 0 and false in \a ok. Row::toDouble() of a DECIMAL cell, once per row
    in a loop over a result. */
double toDouble(QByteArrayView text, bool *ok);

} // namespace AsyncMySql::DecimalText
