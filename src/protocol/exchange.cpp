// SPDX-License-Identifier: MIT
#include "exchange.h"
#include "constants.h"
#include "wire.h"

namespace AsyncMySql::Protocol {

// ---------------------------------------------------------------------------------------------
// Exchange

Exchange::Status Exchange::handle(const Packet &packet, QByteArray &out)
{
    if (m_checkSequence && packet.seq != m_nextSeq)
        return protocolError(QStringLiteral("packet sequence id %1, expected %2")
                                     .arg(packet.seq).arg(m_nextSeq), ClientError::CommandsOutOfSync);
    m_nextSeq = quint8(packet.lastSeq + 1);
    return onPacket(packet, out);
}

void Exchange::send(QByteArray &out, QByteArrayView payload)
{
    m_nextSeq = appendPacket(out, payload, m_nextSeq);
}

Exchange::Status Exchange::serverError(const Packet &packet)
{
    const auto err = parseErr(packet.view());
    if (!err)
        return protocolError(QStringLiteral("malformed ERR packet"));
    m_failure = Failure{true, false, Error::Type::Database, err->code, err->sqlState,
                        QString::fromUtf8(err->message)};
    return Status::Failed;
}

Exchange::Status Exchange::protocolError(const QString &why, quint16 code)
{
    return fail(Error::Type::Internal, code, QStringLiteral("Protocol error: %1").arg(why), true);
}

Exchange::Status Exchange::fail(Error::Type type, quint16 code, const QString &message, bool fatal)
{
    m_failure = Failure{false, fatal, type, code, QByteArrayLiteral("HY000"), message};
    return Status::Failed;
}

// ---------------------------------------------------------------------------------------------
// SimpleExchange

Exchange::Status SimpleExchange::onPacket(const Packet &packet, QByteArray &)
{
    switch (packet.first()) {
    case OkHeader:
        if (auto ok = parseOk(packet.view(), m_capabilities)) {
            setOk(*ok);
            return Status::Done;
        }
        return protocolError(QStringLiteral("malformed OK packet"));
    case ErrHeader:
        return serverError(packet);
    default:
        return protocolError(QStringLiteral("unexpected packet 0x%1 where OK or ERR belongs")
                                     .arg(packet.first(), 2, 16, QLatin1Char('0')));
    }
}

// ---------------------------------------------------------------------------------------------
// QueryExchange

Exchange::Status QueryExchange::onPacket(const Packet &packet, QByteArray &out)
{
    switch (m_state) {
    case State::First:
        return onFirst(packet, out);
    case State::Columns: {
        if (!m_builder.add(packet.view()))
            return protocolError(QStringLiteral("malformed column definition"));
        if (!m_builder.isComplete())
            return Status::Continue;
        m_meta = m_builder.finish();
        m_state = (m_capabilities & Capability::DeprecateEof) ? State::Rows : State::ColumnsEof;
        if (m_state == State::Rows)
            m_sink->resultStarted(m_meta);
        return Status::Continue;
    }
    case State::ColumnsEof:
        if (!parseEof(packet.view()))
            return protocolError(QStringLiteral("expected EOF after column definitions"));
        m_state = State::Rows;
        m_sink->resultStarted(m_meta);
        return Status::Continue;
    case State::Rows: {
        if (isEndOfRows(packet)) {
            const auto end = (m_capabilities & Capability::DeprecateEof)
                                     ? parseOk(packet.view(), m_capabilities)
                                     : parseEof(packet.view());
            if (!end)
                return protocolError(QStringLiteral("malformed end of result"));
            return endResult(*end);
        }
        if (packet.first() == ErrHeader) // e.g. the query was killed while sending rows
            return serverError(packet);
        Row row = m_settings.binary ? parseBinaryRow(packet, m_meta) : parseTextRow(packet, m_columnCount, m_meta);
        if (row.isEmpty())
            return protocolError(QStringLiteral("malformed row"));
        m_sink->rowReceived(std::move(row));
        return Status::Continue;
    }
    }
    Q_UNREACHABLE();
}

Exchange::Status QueryExchange::onFirst(const Packet &packet, QByteArray &)
{
    switch (packet.first()) {
    case OkHeader: {
        const auto ok = parseOk(packet.view(), m_capabilities);
        if (!ok)
            return protocolError(QStringLiteral("malformed OK packet"));
        m_meta.reset();
        return endResult(*ok);
    }
    case ErrHeader:
        return serverError(packet);
    case LocalInfileHeader:
        if (m_settings.binary)
            break; // no file request answers COM_STMT_EXECUTE: a malformed column count
        // We never announce CLIENT_LOCAL_FILES unless the user opted in; a server that asks
        // anyway would read our next pipelined command as file data, so stop here.
        if (!m_settings.localInfile)
            return protocolError(QStringLiteral("server requested a LOCAL INFILE transfer that was not enabled"));
        // The reply to the file (OK or ERR) comes as if it were the first packet again.
        m_fileRequest = packet.view().sliced(1).toByteArray();
        return Status::Continue;
    default:
        break;
    }
    ByteReader r(packet.data(), packet.size);
    const quint64 count = r.lenenc();
    if (!r.ok() || !r.atEnd() || count == 0 || count > 4096)
        return protocolError(QStringLiteral("malformed column count"));
    m_columnCount = int(count);
    const MetaContext context{m_settings.encoding, m_settings.dict,
                              bool(m_capabilities & Capability::MariaDbExtendedTypeInfo), m_settings.binary,
                              &m_settings.converters};
    m_builder.start(m_metaCache, context, m_columnCount);
    m_state = State::Columns;
    return Status::Continue;
}

Exchange::Status QueryExchange::endResult(const OkPacket &ok)
{
    setOk(ok);
    m_sink->resultFinished(m_meta, ok);
    m_meta.reset();
    m_state = State::First;
    return (ok.status & ServerStatus::MoreResultsExist) ? Status::Continue : Status::Done;
}

// ---------------------------------------------------------------------------------------------
// PrepareExchange

Exchange::Status PrepareExchange::onPacket(const Packet &packet, QByteArray &)
{
    switch (m_state) {
    case State::First: {
        if (packet.first() == ErrHeader)
            return serverError(packet);
        const auto ok = parsePrepareOk(packet.view());
        if (!ok)
            return protocolError(QStringLiteral("malformed COM_STMT_PREPARE reply"));
        m_ok = *ok;
        m_params.reserve(m_ok.paramCount);
        m_columns.reserve(m_ok.columnCount);
        m_state = State::Params;
        return m_ok.paramCount > 0 ? Status::Continue : next();
    }
    case State::Params:
    case State::Columns: {
        QList<Column> &into = m_state == State::Params ? m_params : m_columns;
        auto column = parseColumnDefinition(packet.view(), m_capabilities, m_encoding);
        if (!column)
            return protocolError(QStringLiteral("malformed column definition"));
        into.append(*column);
        if (into.size() < (m_state == State::Params ? m_ok.paramCount : m_ok.columnCount))
            return Status::Continue;
        if (!(m_capabilities & Capability::DeprecateEof)) {
            m_state = m_state == State::Params ? State::ParamsEof : State::ColumnsEof;
            return Status::Continue;
        }
        return next();
    }
    case State::ParamsEof:
    case State::ColumnsEof:
        if (!parseEof(packet.view()))
            return protocolError(QStringLiteral("expected EOF after column definitions"));
        return next();
    }
    Q_UNREACHABLE();
}

Exchange::Status PrepareExchange::next()
{
    // After the parameters (or their EOF) come the columns, if any; after those the reply ends.
    if ((m_state == State::Params || m_state == State::ParamsEof) && m_ok.columnCount > 0) {
        m_state = State::Columns;
        return Status::Continue;
    }
    return Status::Done;
}

// ---------------------------------------------------------------------------------------------
// ConnectExchange

ConnectExchange::ConnectExchange(Settings settings) : m_settings(std::move(settings))
{
    m_nextSeq = 0; // the server speaks first
}

Exchange::Status ConnectExchange::onPacket(const Packet &packet, QByteArray &out)
{
    if (!m_handshakeSeen)
        return onHandshake(packet, out);
    switch (packet.first()) {
    case OkHeader:
        if (auto ok = parseOk(packet.view(), m_capabilities)) {
            setOk(*ok);
            return Status::Done;
        }
        return protocolError(QStringLiteral("malformed OK packet"));
    case ErrHeader:
        serverError(packet);
        m_failure.fatal = true;
        return Status::Failed;
    case AuthSwitchHeader: {
        if (packet.size == 1)
            return fail(Error::Type::NotSupported, ClientError::AuthPluginCannotLoad,
                        QStringLiteral("The server asked for the pre-4.1 password protocol, which is not supported"),
                        true);
        ByteReader r(packet.data(), packet.size);
        r.skip(1);
        const QByteArrayView name = r.nulString();
        // Kept whole: the scramble-based plugins drop the NUL that follows their 20 bytes, but
        // client_ed25519's 32-byte nonce has none and may well end in a zero byte.
        const QByteArray scramble = r.rest().toByteArray();
        if (!r.ok())
            return protocolError(QStringLiteral("malformed AuthSwitchRequest"));
        return switchPlugin(name, scramble, out);
    }
    case AuthMoreDataHeader:
        return runStep(m_plugin->moreData(packet.view().sliced(1)), out);
    default:
        return protocolError(QStringLiteral("unexpected packet 0x%1 during authentication")
                                     .arg(packet.first(), 2, 16, QLatin1Char('0')));
    }
}

Exchange::Status ConnectExchange::onHandshake(const Packet &packet, QByteArray &out)
{
    m_handshakeSeen = true;
    if (packet.first() == ErrHeader) { // e.g. "Too many connections", "Host is blocked"
        serverError(packet);
        m_failure.fatal = true;
        return Status::Failed;
    }
    const auto hs = parseHandshake(packet.view());
    if (!hs)
        return fail(Error::Type::Operational, ClientError::ServerHandshakeError,
                    QStringLiteral("Malformed or unsupported server handshake"), true);
    m_handshake = *hs;
    const quint64 server = m_handshake.capabilities;
    if (!(server & Capability::Protocol41))
        return fail(Error::Type::NotSupported, ClientError::ServerHandshakeError,
                    QStringLiteral("The server does not speak protocol 4.1"), true);

    quint64 wanted = Capability::LongPassword | Capability::LongFlag | Capability::Protocol41
            | Capability::Transactions | Capability::SecureConnection | Capability::MultiResults
            | Capability::PsMultiResults | Capability::PluginAuth | Capability::PluginAuthLenencData
            | Capability::ConnectAttrs | Capability::DeprecateEof
            // The compression option decides these: a raw flag would make the server switch to
            // a framing nobody reads.
            | (m_settings.extraCapabilities & ~quint64(Capability::Compress | Capability::ZstdCompression));
    if (!m_settings.database.isEmpty())
        wanted |= Capability::ConnectWithDb;
    if (m_settings.localInfile)
        wanted |= Capability::LocalFiles;
    if (m_settings.multiStatements)
        wanted |= Capability::MultiStatements;
    // Fall back zstd -> zlib -> none with what the server offers (MariaDB has no zstd).
    const bool zstd = m_settings.compression == CompressionAlgorithm::Zstd && (server & Capability::ZstdCompression);
    if (zstd)
        wanted |= Capability::ZstdCompression;
    else if (m_settings.compression != CompressionAlgorithm::None && (server & Capability::Compress))
        wanted |= Capability::Compress;
    if (!(server & Capability::LongPassword)) {
        // MariaDB: dropping "CLIENT_MYSQL" lets us ask for extended type info (JSON columns)
        // and bulk execution of prepared statements (Cursor::executeMany()).
        wanted &= ~quint64(Capability::LongPassword);
        wanted |= Capability::MariaDbExtendedTypeInfo | Capability::MariaDbStmtBulk;
    }
    const bool serverTls = server & Capability::Ssl;
    if (!m_settings.secureTransport) {
        if (m_settings.tls == Tls::Required && !serverTls)
            return fail(Error::Type::Operational, ClientError::SslConnectionError,
                        QStringLiteral("TLS is required, but the server does not support it"), true);
        m_tls = serverTls && m_settings.tls != Tls::Disabled;
        if (!serverTls && m_settings.tls == Tls::Preferred)
            m_action = Action::PlainFallback;
    }
    if (m_tls)
        wanted |= Capability::Ssl;
    m_capabilities = wanted & (server | Capability::LongPassword);
    if (!(server & Capability::LongPassword))
        m_capabilities &= ~quint64(Capability::LongPassword);

    const QByteArray pluginName = m_settings.authPlugin.isEmpty() ? m_handshake.authPlugin : m_settings.authPlugin;
    m_plugin = createAuthPlugin(pluginName, authContext());
    if (!m_plugin) {
        if (!m_settings.authPlugin.isEmpty())
            return fail(Error::Type::NotSupported, ClientError::AuthPluginCannotLoad,
                        QStringLiteral("Authentication plugin '%1' is not supported")
                                .arg(QString::fromUtf8(pluginName)), true);
        // The server's default is one we lack: answer with ours, the server may switch.
        m_plugin = createAuthPlugin("mysql_native_password", authContext());
    }
    if (m_tls) {
        send(out, buildSslRequest(m_capabilities, m_settings.collation));
        m_action = Action::StartTls;
        return Status::Continue;
    }
    return sendResponse(out);
}

CompressionAlgorithm ConnectExchange::compression() const
{
    if (m_capabilities & Capability::ZstdCompression)
        return CompressionAlgorithm::Zstd;
    if (m_capabilities & Capability::Compress)
        return CompressionAlgorithm::Zlib;
    return CompressionAlgorithm::None;
}

Exchange::Status ConnectExchange::tlsEstablished(QByteArray &out)
{
    m_settings.secureTransport = true;
    // The plugin was chosen before the upgrade; it must know that secrets may now go in clear.
    m_plugin = createAuthPlugin(m_plugin->name(), authContext());
    return sendResponse(out);
}

AuthContext ConnectExchange::authContext() const
{
    return AuthContext{m_settings.password, m_settings.secureTransport, m_settings.serverPublicKey,
                       m_settings.allowCleartextPassword};
}

Exchange::Status ConnectExchange::sendResponse(QByteArray &out)
{
    const AuthPlugin::Step step = m_plugin->start(m_handshake.scramble);
    if (step.action == AuthPlugin::Step::Action::Fail)
        return fail(Error::Type::Operational, step.code, step.error, true);
    HandshakeResponse resp;
    resp.capabilities = m_capabilities;
    resp.collation = m_settings.collation;
    resp.user = m_settings.user;
    resp.authResponse = step.action == AuthPlugin::Step::Action::Send ? step.data : QByteArray();
    resp.database = m_settings.database;
    resp.authPlugin = m_plugin->name();
    resp.attributes = m_settings.attributes;
    resp.zstdLevel = m_settings.zstdLevel;
    send(out, buildHandshakeResponse(resp));
    return Status::Continue;
}

Exchange::Status ConnectExchange::switchPlugin(QByteArrayView name, const QByteArray &scramble, QByteArray &out)
{
    m_plugin = createAuthPlugin(name, authContext());
    if (!m_plugin)
        return fail(Error::Type::NotSupported, ClientError::AuthPluginCannotLoad,
                    QStringLiteral("Authentication plugin '%1' requested by the server is not supported")
                            .arg(QString::fromUtf8(name)), true);
    m_handshake.scramble = scramble;
    return runStep(m_plugin->start(scramble), out);
}

Exchange::Status ConnectExchange::runStep(const AuthPlugin::Step &step, QByteArray &out)
{
    switch (step.action) {
    case AuthPlugin::Step::Action::Send:
        send(out, step.data);
        return Status::Continue;
    case AuthPlugin::Step::Action::Wait:
        return Status::Continue;
    case AuthPlugin::Step::Action::Fail:
        return fail(Error::Type::Operational, step.code, step.error, true);
    }
    Q_UNREACHABLE();
}

} // namespace AsyncMySql::Protocol
