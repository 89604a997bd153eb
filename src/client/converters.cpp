// SPDX-License-Identifier: MIT
#include <AsyncMySql/Converters.h>

#include "../protocol/resultdata.h"

#include <QtCore/QHash>

namespace AsyncMySql {

class ConvertersPrivate : public QSharedData
{
public:
    QHash<quint8, Converters::Decoder> decoders;
    QHash<int, Converters::Encoder> encoders;

    static const ConvertersPrivate *get(const Converters &c) { return c.d.constData(); }
};

Converters::Converters() : d(new ConvertersPrivate) { }
Converters::Converters(const Converters &) = default;
Converters &Converters::operator=(const Converters &) = default;
Converters::~Converters() = default;

void Converters::setDecoder(quint8 type, Decoder decoder)
{
    if (decoder)
        d->decoders.insert(type, std::move(decoder));
    else
        d->decoders.remove(type);
}

Converters::Decoder Converters::decoder(quint8 type) const { return d->decoders.value(type); }

void Converters::setEncoder(QMetaType type, Encoder encoder)
{
    if (encoder)
        d->encoders.insert(type.id(), std::move(encoder));
    else
        d->encoders.remove(type.id());
}

Converters::Encoder Converters::encoder(QMetaType type) const { return d->encoders.value(type.id()); }

bool Converters::isEmpty() const { return d->decoders.isEmpty() && d->encoders.isEmpty(); }

bool decodesAlike(const Converters &a, const Converters &b)
{
    // A shared ConvertersPrivate is only changed after a detach, so copies of one set hold the
    // same decoders for as long as both copies live.
    const ConvertersPrivate *da = ConvertersPrivate::get(a);
    const ConvertersPrivate *db = ConvertersPrivate::get(b);
    return da == db || (da->decoders.isEmpty() && db->decoders.isEmpty());
}

} // namespace AsyncMySql
