// SPDX-License-Identifier: MIT
// The protocol state of one connection, from the server's greeting to COM_QUIT (sans-I/O).
#pragma once

#include "compression.h"
#include "exchange.h"
#include "framing.h"

#include <QtCore/QByteArray>
#include <QtCore/QList>
#include <QtCore/QString>

#include <chrono>
#include <deque>
#include <memory>
#include <optional>
#include <variant>
#include <vector>

namespace AsyncMySql::Protocol {

/*!
    One connection's protocol engine without the I/O: bytes read from the server go in
    (reserveInput()/commitInput(), or feed()), bytes to write come out (takeOutput()), and what
    happened is told to a Listener. Time comes in as a value (start(), tick()); there is no
    socket, timer, event loop or QObject here, so every rule below is testable with bytes.

    It owns the packet reader, the compressed protocol and its sequence ids, the connect
    exchange, the command queue (replies are matched to commands in order), the pipelining
    rules, the LOCAL INFILE upload, the KILL QUERY hold on writes, back-pressure of streaming
    results, the session setup after authentication, and what the server told about itself.

    The Listener is called synchronously from inside the session's functions and may call back
    into it (submit(), close(), setUp(), sendFileChunk(), ...): the session is in a consistent
    state whenever it calls out, and stops processing once it was closed.

    Write what takeOutput() returns after every call that can produce output (hasOutput()):
    process(), submit(), setUp(), tlsEstablished(), sendFileChunk(), interruptFinished(),
    sayGoodbye(), and before acting on Listener::startTls().
*/
class Session
{
public:
    using Clock = std::chrono::steady_clock;

    /*! Where the connection is. Closed and Lost accept nothing; commands submitted while
        connecting wait until Ready. */
    enum class Phase {
        Closed,         //!< never opened, or closed (by the user, after COM_QUIT, or failed while connecting)
        Greeting,       //!< started: waiting for the server's handshake packet
        TlsHandshake,   //!< SSLRequest sent: the engine runs the TLS handshake (tlsEstablished())
        Authenticating, //!< handshake response sent: authentication packets until the server's OK
        SettingUp,      //!< authenticated: the setup statements (setUp()) run before anything else
        Ready,          //!< commands are written as they come (pipelined)
        Quitting,       //!< COM_QUIT queued (quit()): nothing new is accepted; the server closes
        Lost,           //!< was Ready, then ended by the server or the network (close(true))
    };

    /*! The KILL QUERY hold: while a KILL for the command being read is on its way (on another
        connection), nothing new is written, or the KILL could hit the next statement. */
    enum class Interrupt {
        None,
        KillInFlight,     //!< interruptStarted(): the KILL has not landed yet
        WaitingForTarget, //!< the KILL landed; writes wait until the target's reply is complete
    };

    //! LOAD DATA LOCAL INFILE: the server asked for a file and reads everything as its content.
    enum class Upload {
        None,
        Sending, //!< Listener::fileRequested() was called: sendFileChunk() until the empty chunk
    };

    /*! A command in the queue. The engine derives its own type from it (its callback, result
        sink, ...) and gets the same object back in Listener::commandFinished(). */
    struct Command
    {
        Command() = default;
        Command(const Command &) = delete; // exchange points into it
        Command &operator=(const Command &) = delete;
        virtual ~Command() = default;

        /*! Makes this a command answered by OK or ERR (COM_PING, COM_INIT_DB, ...): \a packet
            framed with sequence id 0 (commandPacket(), frameCommand()), its reply starting
            at \a replySeq. */
        void makeSimple(QByteArray packet, quint8 replySeq);
        /*! Makes this a COM_QUERY whose results go to \a sink (which must outlive the reply).
            Its exchange is held in the command itself: no allocation of its own per query. */
        void makeQuery(QByteArray packet, quint8 replySeq, QueryExchange::Settings settings, ResultSink *sink);
        //! Makes this a COM_STMT_PREPARE (its reply in prepared()).
        void makePrepare(QByteArray packet, quint8 replySeq, TextEncoding encoding);
        /*! Makes this a command the server never answers (COM_STMT_CLOSE,
            COM_STMT_SEND_LONG_DATA): it is finished, successfully, once written. */
        void makeNoReply(QByteArray packet);
        //! The reply of a COM_STMT_PREPARE (makePrepare()), or null.
        const PrepareExchange *prepared() const { return std::get_if<PrepareExchange>(&m_exchange); }
        bool expectsReply() const { return exchange != nullptr; }

        QByteArray packet;              //!< framed, sequence id 0
        Exchange *exchange = nullptr;   //!< parses the reply (makeSimple(), makeQuery())
        QueryExchange *query = nullptr; //!< exchange, if a COM_QUERY (LOCAL INFILE requests)
        /*! A streaming result's sink: while isFull() on the front command, the session stops
            reading (back-pressure). Null for buffered results. */
        ResultSink *stream = nullptr;

        /*! Whose it is. Setup: the session's own (a setup or reset statement), never reported
            to the engine; ResetEnd: the engine's command that ends a reset() group. */
        enum class Kind : quint8 { Engine, Setup, ResetEnd };

        // The session's bookkeeping (read-only for the engine).
        Kind kind = Kind::Engine;
        bool written = false;          //!< its packet went out
        bool replied = false;          //!< its reply is complete
        quint8 replyCompressedSeq = 0; //!< compressed protocol: the sequence id its reply starts with

    private:
        std::variant<std::monostate, SimpleExchange, QueryExchange, PrepareExchange> m_exchange;
    };
    using CommandPtr = std::shared_ptr<Command>;

    class Listener
    {
    public:
        virtual ~Listener() = default;
        /*! The server accepted the login (phase SettingUp); serverVersion() & co. are known.
            Answer with setUp(), now or later. */
        virtual void authenticated() { }
        //! The setup statements ran: phase Ready, queued commands are written.
        virtual void ready() { }
        /*! \a command's reply is complete (it left the queue), with \a failure or not. A fatal
            failure ends the session right after this (failed()) unless the engine closed it here. */
        virtual void commandFinished(const CommandPtr &command, const Failure *failure)
        {
            Q_UNUSED(command);
            Q_UNUSED(failure);
        }
        /*! The server asks \a command (a LOAD DATA LOCAL INFILE) for \a fileName: answer with
            sendFileChunk(), now or later, ending with an empty chunk (alone: nothing loaded). */
        virtual void fileRequested(const CommandPtr &command, const QByteArray &fileName)
        {
            Q_UNUSED(command);
            Q_UNUSED(fileName);
        }
        //! Write the pending output, then start the TLS handshake; call tlsEstablished() once done.
        virtual void startTls() { }
        //! TLS was preferred but the server offers none: the login goes on in plain text.
        virtual void plainFallback() { }
        //! Stop (true) or resume (false) reading from the socket: back-pressure of a stream.
        virtual void setReadPaused(bool paused) { Q_UNUSED(paused); }
        /*! The session cannot go on: a protocol error, a failed login or setup, the connect
            deadline, an ERR the server sent before closing. Call close(true) here to take the
            pending commands (the session closes itself afterwards otherwise, dropping them). */
        virtual void failed(const Failure &failure) { Q_UNUSED(failure); }
    };

    struct Settings
    {
        ConnectExchange::Settings connect;
        QString peerName;                          //!< "host:port" or the socket path, for messages
        std::chrono::milliseconds connectTimeout{0}; //!< 0: no deadline
        //! LOCAL INFILE enabled: a reply may turn into a file request, so one command at a time.
        bool localInfile = false;
        qsizetype maxPayload = qsizetype(1) << 30; //!< larger packets are refused (hostile servers)
    };

    explicit Session(Listener *listener = nullptr);
    ~Session();
    Session(const Session &) = delete;
    Session &operator=(const Session &) = delete;

    void setListener(Listener *listener) { m_listener = listener; }

    // --- lifecycle ---------------------------------------------------------------------------
    /*! A new session (phase Greeting): the connect deadline runs from \a now. The commands of
        a previous one must have been taken with close(). */
    void start(Settings settings, Clock::time_point now);
    //! The TLS handshake the engine ran after Listener::startTls() succeeded.
    void tlsEstablished();
    /*! After Listener::authenticated(): runs \a statements (encoded SQL) before any queued
        command, with \a settings for their exchanges; phase Ready once all succeeded (at once
        if there are none), failed() at the first that fails. */
    void setUp(const QList<QByteArray> &statements, const QueryExchange::Settings &settings);
    /*! Queues a session reset, pipelined like any commands: COM_RESET_CONNECTION, COM_INIT_DB
        of \a database (unless empty), then \a statements (encoded SQL, at least one). \a command
        is the engine's handle for the group: the session makes it the last statement (it sets
        its packet and exchange) and reports it in commandFinished() once the last statement
        answered, with the group's first failure. A fatal failure ends the session as usual,
        and \a command comes back from close(). Not withdrawable once queued. */
    void reset(const CommandPtr &command, const QByteArray &database, const QList<QByteArray> &statements,
               const QueryExchange::Settings &settings);
    //! When the connect deadline passes, if it is still connecting.
    std::optional<Clock::time_point> deadline() const;
    //! Fails the session (2003, "timed out") if it is still connecting at \a now past the deadline.
    void tick(Clock::time_point now);
    /*! The failure a transport error \a code with \a message means in this phase (the texts
        users see), or nothing if it is the expected end (the server closing after COM_QUIT). */
    std::optional<Failure> transportFailure(int code, const QString &message) const;
    /*! Ends the session: phase Closed, or Lost if \a failed and it was Ready (or Lost). Returns
        the commands that were queued, in order, for the engine to fail. */
    std::deque<CommandPtr> close(bool failed = false);
    /*! Queues COM_QUIT (\a quit, whose packet is COM_QUIT; it never gets a reply): phase
        Quitting if Ready, written like any command. */
    void quit(const CommandPtr &quit);
    /*! Writes COM_QUIT now, behind what was written, outside the queue (the engine is about
        to abort). False where the server would read it as something else: not Ready, an
        upload running, or LOCAL INFILE enabled with a reply outstanding. */
    bool sayGoodbye();

    // --- input and output --------------------------------------------------------------------
    //! Room for up to \a bytes read from the socket, written in place; then commitInput().
    char *reserveInput(qsizetype bytes);
    void commitInput(qsizetype written);
    //! Appends received bytes (tests, fuzzing): reserveInput() + commitInput() with a copy.
    void feed(const QByteArray &bytes);
    /*! Handles the complete packets received. True if it used up the input and wants more;
        false if it stopped: reading is paused (back-pressure), or the session ended. */
    bool process();
    bool hasOutput() const { return !m_output.isEmpty(); }
    //! What the engine must write to the socket now, in order.
    QByteArray takeOutput() { return std::exchange(m_output, QByteArray()); }

    // --- commands ----------------------------------------------------------------------------
    /*! Queues \a command (phase Greeting to Ready; not Quitting, Closed, Lost). Written at once
        when Ready, unless an interrupt holds writes or LOCAL INFILE allows only one at a time. */
    void submit(const CommandPtr &command);
    /*! Takes \a command out of the queue if it was not written; false if it was written (its
        reply is still read and dropped: the engine ignores its commandFinished()), ends a
        reset() group (the same), or is gone. */
    bool withdraw(const Command &command);
    bool contains(const Command &command) const;
    //! The command whose reply is read now (or next), or null.
    const Command *front() const { return m_commands.empty() ? nullptr : m_commands.front().get(); }
    const Command *back() const { return m_commands.empty() ? nullptr : m_commands.back().get(); }
    bool hasCommands() const { return !m_commands.empty(); }
    qsizetype commandCount() const { return qsizetype(m_commands.size()); }
    //! Ready with nothing queued: the connection may change hands.
    bool isIdle() const { return m_phase == Phase::Ready && m_commands.empty(); }

    /*! Whether a KILL QUERY for \a command is safe: it is the front command (the one the
        server runs once written), nothing is written behind it, and no other KILL is on its way. */
    bool mayInterrupt(const Command &command) const;
    //! The engine sent a KILL QUERY for the front command: writes are held (Interrupt::KillInFlight).
    void interruptStarted();
    //! The KILL landed: writes resume once the target's reply is complete.
    void interruptFinished();
    Interrupt interrupt() const { return m_interrupt; }

    /*! Sends one chunk of the requested file (Upload::Sending); an empty chunk ends the upload.
        The server's OK or ERR then completes the command. */
    void sendFileChunk(QByteArrayView chunk);
    Upload upload() const { return m_upload; }

    /*! After a streaming sink had room again: resumes reading (Listener::setReadPaused(false))
        if it was paused and the front command's sink is no longer full. True if it did: the
        engine should process() what waited. */
    bool resumeReading();
    bool isReadPaused() const { return m_readPaused; }

    // --- what the server told ----------------------------------------------------------------
    Phase phase() const { return m_phase; }
    //! Greeting to SettingUp.
    bool isConnecting() const;
    QString serverVersion() const { return m_serverVersion; }
    quint32 threadId() const { return m_threadId; }
    quint64 capabilities() const { return m_capabilities; } //!< negotiated
    bool usedTls() const { return m_usedTls; }
    QByteArray authPlugin() const { return m_authPlugin; }
    //! The compressed protocol in use (from authentication on).
    CompressionAlgorithm compression() const { return m_compression; }
    //! Status flags of the last OK or EOF (ServerStatus).
    quint16 status() const { return m_status; }
    /*! What the engine expects the replies of commands it just queued to say (a reset, a
        ROLLBACK): \a set flags on, \a clear flags off, until the next OK tells. */
    void assumeStatus(quint16 set, quint16 clear) { m_status = quint16((m_status & ~clear) | set); }
    quint64 insertId() const { return m_insertId; }
    quint64 affectedRows() const { return m_affectedRows; }
    //! Rows changed in the open transaction (an OK with affected rows since it began).
    bool uncommittedChanges() const { return m_uncommittedChanges; }
    //! The metadata of this session's recent results, which its queries reuse (QueryExchange).
    const ResultMetaCache &metaCache() const { return m_metaCache; }

private:
    struct SetupCommand;

    bool handlePacket(const Packet &packet);
    bool handleConnectPacket(const Packet &packet);
    void onAuthenticated();
    void finishFront(Exchange::Status status);
    void becomeReady();
    void unsolicited(const Packet &packet);
    void fail(const Failure &failure);
    bool isOpen() const;
    void write(Command &command);
    void writePending();
    //! Takes the written commands without a reply off the front of the queue (they are done).
    void finishUnanswered();
    bool mayWriteNow() const;
    bool mayWriteBehindFront() const;
    void afterReply();
    std::vector<std::pair<const Command *, Failure>>::iterator groupFailure(const Command *end);
    std::optional<Failure> takeGroupFailure(const Command *end);
    quint8 writePackets(const QByteArray &packets, quint8 compressedSeq);
    void writeReplyPackets(const QByteArray &packets);
    void expectReplyOf(const Command &command);
    void updateFromOk(const OkPacket &ok);
    void releaseWrites();
    bool frontIsFull() const;

    Listener *m_listener = nullptr;
    Settings m_settings;
    Phase m_phase = Phase::Closed;
    Interrupt m_interrupt = Interrupt::None;
    Upload m_upload = Upload::None;
    bool m_readPaused = false;
    quint64 m_generation = 0; //!< counts start() and close(): a Listener call may have ended the session
    int m_zstdLevel = 3;
    Clock::time_point m_deadline;
    bool m_hasDeadline = false;

    PacketReader m_reader;
    // Under the compressed protocol socket bytes go through these; the reader gets the inner stream.
    std::unique_ptr<FrameCompressor> m_compressor;
    std::unique_ptr<FrameDecompressor> m_decompressor;
    std::unique_ptr<ConnectExchange> m_connect;
    std::deque<CommandPtr> m_commands; // front: the one whose reply is being read
    int m_setupPending = 0;            // SettingUp: setup statements without a reply yet
    // A reset() group's first failure until its end command answers, keyed by that command.
    std::vector<std::pair<const Command *, Failure>> m_groupFailures;
    const Command *m_killTarget = nullptr;
    QByteArray m_output;
    ResultMetaCache m_metaCache; // one per session: another server may answer the next one

    QString m_serverVersion;
    quint32 m_threadId = 0;
    quint64 m_capabilities = 0;
    bool m_usedTls = false;
    QByteArray m_authPlugin;
    CompressionAlgorithm m_compression = CompressionAlgorithm::None;
    quint16 m_status = 0;
    quint64 m_insertId = 0;
    quint64 m_affectedRows = 0;
    bool m_uncommittedChanges = false;
};

} // namespace AsyncMySql::Protocol
