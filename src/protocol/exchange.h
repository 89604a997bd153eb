// SPDX-License-Identifier: MIT
// One state machine per command exchange (sans-I/O): packets in, packets out, a result.
#pragma once

#include "auth.h"
#include "binary.h"
#include "compression.h"
#include "messages.h"
#include "metacache.h"

#include <AsyncMySql/Error.h>

#include <memory>
#include <optional>

namespace AsyncMySql::Protocol {

//! Why an exchange failed. Server errors (ERR packets) keep the connection in step.
struct Failure
{
    bool fromServer = false;   // an ERR packet: the class follows from code/sqlState
    bool fatal = false;        // the connection is out of step and must be closed
    Error::Type type = Error::Type::Internal; // for failures found on this side
    quint16 code = 0;
    QByteArray sqlState;
    QString message;
};

class Exchange
{
public:
    enum class Status { Continue, Done, Failed };

    virtual ~Exchange() = default;
    /*! Handles the next packet of this exchange; may append framed packets to \a out.
        Checks the sequence id first: an out-of-order packet is a fatal failure. */
    Status handle(const Packet &packet, QByteArray &out);
    const Failure &failure() const { return m_failure; }
    /*! The negotiated capabilities. Set when the command is written, which may be long after
        it was queued (commands queued before the handshake finished). */
    void setCapabilities(quint64 capabilities) { m_capabilities = capabilities; }
    //! The sequence id the reply starts with: 1 after a command that fit in one packet.
    void setNextSequenceId(quint8 seq) { m_nextSeq = seq; }
    /*! Under the compressed protocol the compressed packets carry the sequence ids that count
        (FrameDecompressor checks them). The ids of the packets inside restart whenever the
        server flushes (net_flush() syncs them to the compressed ones, e.g. between the results
        of a multi-statement query), so they are not checked, as libmysqlclient does not. */
    void setCompressed(bool on) { m_checkSequence = !on; }
    //! The last OK (or EOF) packet of the exchange: status flags, insert id, affected rows.
    const OkPacket *lastOk() const { return m_hasOk ? &m_lastOk : nullptr; }

protected:
    virtual Status onPacket(const Packet &packet, QByteArray &out) = 0;
    //! Frames \a payload with the next sequence id.
    void send(QByteArray &out, QByteArrayView payload);
    Status serverError(const Packet &packet);
    Status protocolError(const QString &why, quint16 code = 2027);
    Status fail(Error::Type type, quint16 code, const QString &message, bool fatal);

    void setOk(const OkPacket &ok) { m_lastOk = ok; m_hasOk = true; }

    quint64 m_capabilities = 0;
    quint8 m_nextSeq = 1; // commands are sent with 0; the reply starts at 1
    bool m_checkSequence = true;
    Failure m_failure;
    OkPacket m_lastOk;
    bool m_hasOk = false;
};

/*! Commands answered by OK or ERR: COM_PING, COM_INIT_DB, COM_RESET_CONNECTION, ... */
class SimpleExchange final : public Exchange
{
public:
protected:
    Status onPacket(const Packet &packet, QByteArray &out) override;
};

/*! Receives the results of a query as they are parsed: the buffered and streaming cursors
    differ only in what they do with them. */
class ResultSink
{
public:
    virtual ~ResultSink() = default;
    virtual void resultStarted(const ResultMetaPtr &meta) = 0;
    virtual void rowReceived(Row &&row) = 0;
    //! End of one result; \a meta is null for a statement without a result set.
    virtual void resultFinished(const ResultMetaPtr &meta, const OkPacket &ok) = 0;
    /*! True while the sink holds as much as it may (a streaming cursor's rows not taken yet):
        the session stops reading until it has room again. Asked only of Session::Command::stream. */
    virtual bool isFull() const { return false; }
};

/*! COM_QUERY and its text result sets, one after another while MORE_RESULTS_EXISTS is set. */
class QueryExchange final : public Exchange
{
public:
    struct Settings
    {
        TextEncoding encoding = TextEncoding::Utf8;
        bool dict = false;
        Converters converters;
        bool localInfile = false; //!< the user enabled LOAD DATA LOCAL INFILE
        //! COM_STMT_EXECUTE: rows in the binary protocol (and never a LOCAL INFILE request)
        bool binary = false;
    };
    QueryExchange(Settings settings, ResultSink *sink) : m_settings(std::move(settings)), m_sink(sink) { }

    /*! The connection's recent result metadata (null: none, every result decodes its own).
        Set before the reply arrives; it must outlive the reading of the reply. */
    void setMetaCache(ResultMetaCache *cache) { m_metaCache = cache; }

    /*! After handle() returned Continue: the file a LOAD DATA LOCAL INFILE asks for (once),
        or nothing. The caller then sends its content with appendFileData() and ends it with
        an empty chunk; the server's OK or ERR follows. */
    std::optional<QByteArray> takeFileRequest() { return std::exchange(m_fileRequest, std::nullopt); }
    //! Frames one chunk of the requested file (an empty one ends the transfer).
    void appendFileData(QByteArray &out, QByteArrayView chunk) { send(out, chunk); }

protected:
    Status onPacket(const Packet &packet, QByteArray &out) override;

private:
    Status onFirst(const Packet &packet, QByteArray &out);
    Status endResult(const OkPacket &ok);

    enum class State { First, Columns, ColumnsEof, Rows };
    std::optional<QByteArray> m_fileRequest;
    Settings m_settings;
    ResultSink *m_sink;
    ResultMetaCache *m_metaCache = nullptr;
    State m_state = State::First;
    ResultMetaBuilder m_builder; //!< the current result's, while its column definitions arrive
    ResultMetaPtr m_meta;
    int m_columnCount = 0;
};

/*! COM_STMT_PREPARE: the statement's id, then the definitions of its parameters and of its
    result's columns. */
class PrepareExchange final : public Exchange
{
public:
    explicit PrepareExchange(TextEncoding encoding) : m_encoding(encoding) { }

    //! Once Done: what the server said.
    const PrepareOk &prepared() const { return m_ok; }
    const QList<Column> &params() const { return m_params; }
    const QList<Column> &columns() const { return m_columns; }

protected:
    Status onPacket(const Packet &packet, QByteArray &out) override;

private:
    //! The next part after the definitions of \a from: EOF unless CLIENT_DEPRECATE_EOF, then the columns.
    Status next();

    enum class State { First, Params, ParamsEof, Columns, ColumnsEof };
    State m_state = State::First;
    TextEncoding m_encoding;
    PrepareOk m_ok;
    QList<Column> m_params;
    QList<Column> m_columns;
};

/*! The connection phase: handshake, optional TLS upgrade, authentication. */
class ConnectExchange final : public Exchange
{
public:
    enum class Tls { Disabled, Preferred, Required };
    struct Settings
    {
        QByteArray user, password, database;
        QByteArray authPlugin;  // start with this plugin instead of the server's default
        quint8 collation = 0;
        quint64 extraCapabilities = 0; // ConnectOptions::clientFlag
        bool localInfile = false;
        bool multiStatements = false;
        Tls tls = Tls::Preferred;
        bool secureTransport = false; // a unix socket
        QByteArray serverPublicKey;
        bool allowCleartextPassword = false;
        QList<QPair<QByteArray, QByteArray>> attributes;
        CompressionAlgorithm compression = CompressionAlgorithm::None; // wanted
        quint8 zstdLevel = 3;
    };
    /*! What the I/O layer must do after handle(): StartTls after it returned Continue;
        PlainFallback (Tls::Preferred, a server without TLS, the login goes on in plain text):
        tell the user, nothing was done in secret. */
    enum class Action { None, StartTls, PlainFallback };

    explicit ConnectExchange(Settings settings);
    Action takeAction() { return std::exchange(m_action, Action::None); }
    //! Called once the TLS handshake succeeded; appends the handshake response to \a out.
    Status tlsEstablished(QByteArray &out);

    const Handshake &handshake() const { return m_handshake; }
    quint64 capabilities() const { return m_capabilities; } // negotiated
    //! The compression both sides agreed on; it starts after the authentication OK packet.
    CompressionAlgorithm compression() const;
    bool usedTls() const { return m_tls; }
    //! The plugin that answered last (after any AuthSwitchRequest).
    QByteArray authPlugin() const { return m_plugin ? m_plugin->name() : QByteArray(); }

protected:
    Status onPacket(const Packet &packet, QByteArray &out) override;

private:
    Status onHandshake(const Packet &packet, QByteArray &out);
    Status sendResponse(QByteArray &out);
    AuthContext authContext() const;
    Status runStep(const AuthPlugin::Step &step, QByteArray &out);
    Status switchPlugin(QByteArrayView name, const QByteArray &scramble, QByteArray &out);

    Settings m_settings;
    Handshake m_handshake;
    std::unique_ptr<AuthPlugin> m_plugin;
    Action m_action = Action::None;
    bool m_tls = false;
    bool m_handshakeSeen = false;
};

} // namespace AsyncMySql::Protocol
