// SPDX-License-Identifier: MIT
#pragma once

#include "../protocol/exchange.h"

#include <deque>
#include <functional>

namespace AsyncMySql {

/*!
    The results of a streaming query (SSCursor) as the server sends them. It holds at most
    about HighWater rows the cursor has not taken yet: while it is full the connection stops
    reading from the socket, so TCP flow control makes the server wait (back-pressure) and
    memory stays bounded whatever the size of the result.
*/
class StreamingSink final : public Protocol::ResultSink
{
public:
    static constexpr qsizetype HighWater = 1024;

    struct Result
    {
        ResultMetaPtr meta;      //!< null for a statement without a result set
        std::deque<Row> rows;    //!< received, not taken yet
        bool finished = false;
        Protocol::OkPacket ok;   //!< once finished
    };

    void resultStarted(const ResultMetaPtr &meta) override
    {
        results.push_back(Result{meta, {}, false, {}});
        notify();
    }
    void rowReceived(Row &&row) override
    {
        if (!m_draining) {
            results.back().rows.push_back(std::move(row));
            ++m_buffered;
        }
        notify();
    }
    void resultFinished(const ResultMetaPtr &meta, const Protocol::OkPacket &ok) override
    {
        if (!meta) // no result set: no resultStarted() before
            results.push_back(Result{});
        results.back().finished = true;
        results.back().ok = ok;
        notify();
    }

    //! True while reading from the socket should wait for the cursor.
    bool isFull() const override { return !m_draining && m_buffered >= HighWater; }
    //! Rows from now on are dropped as they come: nobody will take them (cursor closed, or
    //! another command must get through).
    void drain() { m_draining = true; }
    bool isDraining() const { return m_draining; }
    //! The cursor took a row of results.front().
    Row takeRow()
    {
        Row r = std::move(results.front().rows.front());
        results.front().rows.pop_front();
        --m_buffered;
        return r;
    }
    //! The cursor is done with results.front() (nextSet(), close()).
    void dropFront()
    {
        m_buffered -= qsizetype(results.front().rows.size());
        results.pop_front();
    }

    std::deque<Result> results; //!< front: the cursor's current result
    std::function<void()> changed; //!< something arrived (runs inside the parser: defer user code)

private:
    void notify()
    {
        if (changed)
            changed();
    }

    qsizetype m_buffered = 0;
    bool m_draining = false;
};

} // namespace AsyncMySql
