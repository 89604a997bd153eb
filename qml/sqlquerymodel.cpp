// SPDX-License-Identifier: MIT
#include "sqlquerymodel.h"

#include "jsbridge_p.h"

#include <QtCore/QMetaProperty>

namespace AsyncMySql {

// The Flickable properties fillView() reads; TableView and ListView have them all.
static const char *const viewGeometry[] = {"contentY", "originY", "contentHeight", "height"};

SqlQueryModel::SqlQueryModel(QObject *parent) : ResultModel(parent)
{
    connect(this, &ResultModel::columnNamesChanged, this, &SqlQueryModel::columnsChanged);
}

SqlQueryModel::~SqlQueryModel() = default;

Database *SqlQueryModel::database() const { return m_database; }

void SqlQueryModel::setDatabase(Database *database)
{
    if (m_database == database)
        return;
    disconnect(m_poolChanged);
    m_database = database;
    if (database) {
        // A Database makes a new pool when its options change: follow it.
        m_poolChanged = connect(database, &Database::poolChanged, this, [this] { setPool(m_database ? m_database->pool() : nullptr); });
    }
    setPool(database ? database->pool() : nullptr);
    Q_EMIT databaseChanged();
}

QObject *SqlQueryModel::view() const { return m_view; }

void SqlQueryModel::setView(QObject *view)
{
    if (m_view == view)
        return;
    for (const QMetaObject::Connection &c : std::as_const(m_viewConnections))
        disconnect(c);
    m_viewConnections.clear();
    m_view = view;
    m_viewColumns = columnNames();
    if (view) {
        // Through the meta-object: this library links QtQml only, not QtQuick. Geometry
        // changes, not rowsInserted: the view lays new rows out later, in its polish, and
        // until then its contentHeight still says the view is not filled.
        const QMetaObject *mo = view->metaObject();
        const QMetaMethod schedule = metaObject()->method(metaObject()->indexOfMethod("scheduleFillView()"));
        for (const char *name : viewGeometry) {
            const QMetaProperty p = mo->property(mo->indexOfProperty(name));
            if (p.hasNotifySignal())
                m_viewConnections.append(connect(view, p.notifySignal(), this, schedule));
        }
    }
    Q_EMIT viewChanged();
    scheduleFillView();
}

void SqlQueryModel::scheduleFillView()
{
    if (m_view)
        m_fillCall.schedule();
}

void SqlQueryModel::fillView()
{
    if (!m_view || !canFetchMore(QModelIndex()))
        return;
    const auto value = [this](const char *name) { return m_view->property(name).toReal(); };
    const qreal height = value("height");
    const qreal shownBottom = value("contentY") + height;
    const qreal rowsBottom = value("originY") + value("contentHeight");
    if (rowsBottom - shownBottom < height)
        fetchMore(QModelIndex());
}

void SqlQueryModel::columnsChanged()
{
    const QStringList names = columnNames();
    if (!m_view || names.isEmpty() || names == m_viewColumns)
        return;
    m_viewColumns = names;
    // Queued, after the reset: the view then builds its delegates' roles from the new names.
    QMetaObject::invokeMethod(this, [this] {
        if (!m_view || m_view->property("model").value<QObject *>() != this)
            return;
        m_view->setProperty("model", QVariant());
        m_view->setProperty("model", QVariant::fromValue(static_cast<QObject *>(this)));
    }, Qt::QueuedConnection);
}

QVariant SqlQueryModel::data(const QModelIndex &index, int role) const
{
    const QVariant value = ResultModel::data(index, role);
    // The display role is text already; column roles carry the values for JavaScript.
    return role >= Qt::UserRole ? qmlValue(value) : value;
}

QVariantMap SqlQueryModel::get(int row) const
{
    QVariantMap map = ResultModel::get(row);
    for (auto it = map.begin(); it != map.end(); ++it)
        it.value() = qmlValue(it.value());
    return map;
}

} // namespace AsyncMySql
