package web

import (
	"archive/zip"
	"fmt"
	"io"
	"runtime"
	"time"

	"github.com/foundations/foundations/app"
	"github.com/xuri/excelize/v2"
)

// xlsxSheet is the name of the learner export's one sheet.
const xlsxSheet = "Learners"

// learnerWorkbook is the learner export as an Excel workbook, built with
// excelize's stream writer: rows go to a temporary file as they are
// written, so memory stays flat however many learners there are. Cells
// keep their types (dates as dates, numbers as numbers). Text is written
// as inline strings, which Excel shows as typed and never evaluates, so it
// needs no apostrophe against formulas (the CSV does).
type learnerWorkbook struct {
	f    *excelize.File
	sw   *excelize.StreamWriter
	row  int
	date int // style ID for dates
}

func newLearnerWorkbook() (*learnerWorkbook, error) {
	f := excelize.NewFile()
	wb := &learnerWorkbook{f: f, row: 1}
	if err := wb.start(); err != nil {
		_ = f.Close() // the error that matters is err
		return nil, err
	}
	return wb, nil
}

func (wb *learnerWorkbook) start() error {
	f := wb.f
	if err := f.SetSheetName("Sheet1", xlsxSheet); err != nil {
		return err
	}
	dateFormat := "yyyy-mm-dd"
	var err error
	if wb.date, err = f.NewStyle(&excelize.Style{CustomNumFmt: &dateFormat}); err != nil {
		return err
	}
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return err
	}
	if wb.sw, err = f.NewStreamWriter(xlsxSheet); err != nil {
		return err
	}
	// Panes and widths must come before the first row.
	if err := wb.sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return err
	}
	for i, w := range app.ExportWidths {
		if err := wb.sw.SetColWidth(i+1, i+1, w); err != nil {
			return err
		}
	}
	header := make([]any, len(app.ExportHeader))
	for i, h := range app.ExportHeader {
		header[i] = excelize.Cell{StyleID: bold, Value: h}
	}
	return wb.add(header)
}

func (wb *learnerWorkbook) add(cells []any) error {
	name, _ := excelize.CoordinatesToCellName(1, wb.row)
	wb.row++
	return wb.sw.SetRow(name, cells)
}

// Add writes one learner's row.
func (wb *learnerWorkbook) Add(r *app.LearnerRow, now time.Time) error {
	cells := app.ExportCells(r, now)
	for i, v := range cells {
		if t, ok := v.(time.Time); ok {
			cells[i] = excelize.Cell{StyleID: wb.date, Value: t}
		}
	}
	if wb.row%gcEvery == 0 {
		// The stream writer keeps up to 16 MB of sheet XML in one buffer
		// before it moves it to its temporary file (excelize's
		// StreamChunkSize, a constant). With that buffer live, the
		// collector would let each row's garbage grow the heap to twice
		// it before collecting (about 2.7 KB of garbage a row, most of
		// it excelize's per-cell work). Collecting every 2,048 rows keeps
		// the heap near what is live: 100,000 learners through the binary
		// raised the peak RSS to 113-118 MB without it, and not above the
		// sign-in's 85 MB with it, for 12% more CPU (.ci/bench/xlsx.sh).
		runtime.GC()
	}
	return wb.add(cells)
}

// gcEvery is how many rows are written between collections.
const gcEvery = 2048

// Rows is how many learners have been added.
func (wb *learnerWorkbook) Rows() int { return wb.row - 2 }

// Finish adds the header's filter over every row written and closes the sheet.
func (wb *learnerWorkbook) Finish() error {
	last, _ := excelize.CoordinatesToCellName(len(app.ExportHeader), max(wb.row-1, 2))
	stripes := false
	if err := wb.sw.AddTable(&excelize.Table{Range: "A1:" + last, Name: "LearnerList", StyleName: "", ShowRowStripes: &stripes}); err != nil {
		return fmt.Errorf("add the filter: %w", err)
	}
	return wb.sw.Flush()
}

// WriteTo writes the finished workbook. excelize's own WriteTo builds the
// whole zip in a buffer first; here its zip writer is pointed at w, so the
// archive goes out as it is compressed (WriteToBuffer's buffer stays
// empty: it is only read back for zip64 entries, over 4 GB, and for
// encryption, neither of which this workbook has).
func (wb *learnerWorkbook) WriteTo(w io.Writer) (int64, error) {
	cw := &countWriter{w: w}
	wb.f.SetZipWriter(func(io.Writer) excelize.ZipWriter { return zip.NewWriter(cw) })
	buf, err := wb.f.WriteToBuffer()
	if err == nil && buf.Len() > 0 {
		err = fmt.Errorf("xlsx: %d bytes were left in excelize's buffer", buf.Len())
	}
	return cw.n, err
}

type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// Close removes the workbook's temporary files.
func (wb *learnerWorkbook) Close() error { return wb.f.Close() }
