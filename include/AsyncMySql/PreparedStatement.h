// SPDX-License-Identifier: MIT
#pragma once

#include <AsyncMySql/Column.h>

#include <QtCore/QExplicitlySharedDataPointer>
#include <QtCore/QMetaType>

namespace AsyncMySql {

class PreparedStatementPrivate;

/*!
    A server-side prepared statement (Connection::prepare()): SQL with `?` placeholders, parsed
    once by the server, executed with Connection::execute() or Cursor::execute() in the binary
    protocol (parameters and rows travel as binary values, no text is parsed).

    Implicitly shared and cheap to copy. When the last copy goes, COM_STMT_CLOSE is queued on
    its connection (if that is still in the session it was prepared in); closeStatement()
    closes it earlier. A statement belongs to one connection and one server session: used on
    another connection, after a reconnect, after resetConnection() (which closes every
    statement on the server) or after it was closed, execute fails with InterfaceError, never
    runs another statement. Use and drop it in its connection's thread.
*/
class ASYNCMYSQL_EXPORT PreparedStatement
{
public:
    PreparedStatement();
    PreparedStatement(const PreparedStatement &);
    PreparedStatement(PreparedStatement &&) noexcept;
    PreparedStatement &operator=(const PreparedStatement &);
    PreparedStatement &operator=(PreparedStatement &&) noexcept;
    ~PreparedStatement();

    /*! True if it can be executed: prepared, not closed, and its connection is still in the
        session it was prepared in. */
    bool isValid() const;
    QString sql() const;
    //! The number of `?` placeholders: execute() takes exactly that many arguments.
    int parameterCount() const;
    //! The columns of its result (empty for statements without one, such as INSERT).
    QList<Column> columns() const;
    //! The server's descriptions of the parameters (MariaDB's are placeholders of unknown type).
    QList<Column> parameters() const;
    //! The server's id of the statement (for logs); 0 for a default-constructed handle.
    quint32 id() const;

private:
    friend class PreparedStatementPrivate;
    explicit PreparedStatement(PreparedStatementPrivate *d);
    QExplicitlySharedDataPointer<PreparedStatementPrivate> d;
};

} // namespace AsyncMySql

Q_DECLARE_METATYPE(AsyncMySql::PreparedStatement)
