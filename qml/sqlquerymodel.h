// SPDX-License-Identifier: MIT
#pragma once

#include "database.h"

#include <AsyncMySql/ResultModel.h>

#include <QtCore/QPointer>
#include <QtQml/qqmlregistration.h>

#include "../src/client/queuedcall_p.h"

namespace AsyncMySql {

/*!
    QML: a ResultModel on the pool of a Database, for TableView and ListView.

    \qml
    SqlQueryModel {
        id: items
        database: db
        query: "SELECT id, name, price FROM items WHERE name LIKE %s ORDER BY id"
        arguments: ["%" + filter.text + "%"]
    }
    TableView { model: items; delegate: Text { text: display } }
    ListView { model: items; delegate: Text { text: name + ": " + price } }
    BusyIndicator { running: items.status === SqlQueryModel.Loading }
    \endqml

    Everything else (query, arguments, status, errorString, rowCount, columnNames, batchSize,
    reload(), get()) is ResultModel's. Column roles hold values as QML knows them: DATETIME a
    date, TIME its text, JSON objects and arrays.
*/
class SqlQueryModel : public AsyncMySql::ResultModel // qualified: Qt 6.4's type registrar needs it
{
    Q_OBJECT
    QML_ELEMENT
    Q_PROPERTY(AsyncMySql::Database *database READ database WRITE setDatabase NOTIFY databaseChanged)
    Q_PROPERTY(QObject *view READ view WRITE setView NOTIFY viewChanged)

public:
    explicit SqlQueryModel(QObject *parent = nullptr);
    ~SqlQueryModel() override;

    Database *database() const;
    void setDatabase(Database *database);
    /*! The Flickable (TableView, ListView) that shows the rows, if the model should keep it
        filled and in step:
        - it fetches by itself while the end of its rows is less than a view's height below
          what the view shows. A TableView needs this: it asks for more rows only when it is
          scrolled to its end, so a first batch shorter than the view stays alone, and
          scrolling would wait for every batch.
        - when the columns change, it gives itself to the view's \c model again: Qt 6.4 views
          read the role names once, so delegates would not see the new columns' roles. */
    QObject *view() const;
    void setView(QObject *view);

    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    Q_INVOKABLE QVariantMap get(int row) const;

Q_SIGNALS:
    void databaseChanged();
    void viewChanged();

private Q_SLOTS:
    void scheduleFillView();

private:
    //! Fetches the next batch if the view shows rows close to the end of those fetched.
    void fillView();
    void columnsChanged();

    QPointer<Database> m_database;
    QMetaObject::Connection m_poolChanged;
    QPointer<QObject> m_view;
    QList<QMetaObject::Connection> m_viewConnections;
    QStringList m_viewColumns; // the columns when the view last got this model
    QueuedCall m_fillCall{this, [this] { fillView(); }}; // one look at the view after a burst of changes
};

} // namespace AsyncMySql
